//! Görüşmeler: served by the record kit (list, form, card, API); the timeline on the cards they
//! are about and the "Bir sonraki adım?" prompt are the kit's too.

use axum::Router;
use kervan_app::activities::Activities;

use crate::AppState;
use crate::kit::{self, KitPages};

impl KitPages for Activities {}

pub fn router() -> Router<AppState> {
    kit::pages::<Activities>()
}
