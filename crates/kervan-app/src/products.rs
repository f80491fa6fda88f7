//! Products: the catalogue, built with the record kit alone. What is its own: the KDV rule, the
//! SKU that two products never share.

use kervan_core::products;
use kervan_core::record::{Kind, Values};
use kervan_store::DatabaseTransaction;
use kervan_store::records::find_equal;

use crate::error::{Duplicate, Result};
use crate::records::RecordKind;

pub struct Products;

impl RecordKind for Products {
    const KIND: &'static Kind = &products::KIND;
    const IDENTITY: &'static [&'static str] = &["sku"];
    const UNIQUE: bool = true;

    async fn duplicates(txn: &DatabaseTransaction, values: &Values, except: Option<i64>) -> Result<Vec<Duplicate>> {
        let key = products::sku_key(values);
        // Archived products keep their SKU: a quote line may name it.
        let found = find_equal(txn, Self::KIND, &[("sku_key", key)], except, true).await?;
        Ok(found
            .into_iter()
            .map(|m| Duplicate::new(m.id, m.name.unwrap_or_default(), None, None, "sku"))
            .collect())
    }

    fn guard_keys(values: &Values) -> Vec<String> {
        vec![format!("product:sku:{}", products::sku_key(values))]
    }
}
