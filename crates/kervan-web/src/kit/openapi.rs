//! The OpenAPI part of every kit kind, generated from its declaration: the record schema (types,
//! enums, `maxLength`, formats), the create and patch bodies (required fields), the list, and the
//! paths with `links`, so a generic client can chain create → get → patch → delete.

use serde_json::{Map, Value as J, json};

use kervan_core::record::{Field, FieldType, Kind};

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn field_schema(f: &Field, nullable: bool) -> J {
    let t = |ty: &str| if nullable { json!([ty, "null"]) } else { json!(ty) };
    let mut s = match f.ty {
        FieldType::Money => json!({"type": t("string"), "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                                   "description": "Lira with two decimals (`\"1250.50\"`); a JSON number or Turkish `1.250,50` is accepted in."}),
        FieldType::Number | FieldType::Percent => json!({"type": t("number")}),
        FieldType::Bool => json!({"type": t("boolean")}),
        FieldType::User | FieldType::Reference => json!({"type": t("integer"), "format": "int64"}),
        FieldType::Tags | FieldType::MultiChoice => json!({"type": "array", "items": {"type": "string"}}),
        FieldType::Date => json!({"type": t("string"), "format": "date"}),
        FieldType::DateTime => json!({"type": t("string"), "format": "date-time"}),
        FieldType::Email => json!({"type": t("string"), "format": "email", "maxLength": f.max_len()}),
        FieldType::Url => json!({"type": t("string"), "format": "uri", "maxLength": f.max_len()}),
        FieldType::Phone => json!({"type": t("string"), "maxLength": 40,
                                   "description": "E.164 out; any Turkish or international form in."}),
        FieldType::Vkn => {
            json!({"type": t("string"), "pattern": "^[0-9]{10}$", "description": "VKN, checksum verified."})
        }
        FieldType::Tckn => {
            json!({"type": t("string"), "pattern": "^[0-9]{11}$", "description": "TCKN, checksum verified."})
        }
        FieldType::Choice => {
            let mut e: Vec<J> = f.options.iter().map(|o| json!(o)).collect();
            if nullable {
                e.push(J::Null);
            }
            json!({"type": t("string"), "enum": e})
        }
        FieldType::Text | FieldType::LongText => json!({"type": t("string"), "maxLength": f.max_len()}),
    };
    if f.ty == FieldType::Reference
        && let Some(o) = s.as_object_mut()
    {
        o.insert(
            "description".into(),
            json!(format!("Id of a record of `{}`.", f.refers)),
        );
    }
    s
}

/// Adds a kind's schemas and paths to the document.
pub fn add_kind(doc: &mut J, kind: &Kind) {
    let entity = capital(kind.entity);
    let k = kind.key;
    let mut out = Map::new();
    out.insert("id".into(), json!({"type": "integer", "format": "int64"}));
    out.insert("name".into(), json!({"type": "string"}));
    let mut input = Map::new();
    let mut required_in: Vec<&str> = Vec::new();
    for f in kind.fields {
        out.insert(f.key.into(), field_schema(f, f.ty != FieldType::Tags));
        if f.writable {
            input.insert(f.key.into(), field_schema(f, !f.required && f.ty != FieldType::Tags));
            if f.required && f.default.is_none() {
                required_in.push(f.key);
            }
        }
    }
    let custom = json!({"type": "object", "description": "Custom field values by key (see `/api/v1/meta/{kind}`).",
                        "additionalProperties": true});
    out.insert("custom".into(), custom.clone());
    out.insert(
        "archived_at".into(),
        json!({"type": ["string", "null"], "format": "date-time"}),
    );
    if kervan_core::record::next_step_of(kind).is_some() {
        out.insert(
            "next_step_at".into(),
            json!({"type": ["string", "null"], "format": "date-time",
                   "description": "When the earliest open task about this record is due (null: none)."}),
        );
    }
    for key in ["created_at", "updated_at"] {
        out.insert(key.into(), json!({"type": "string", "format": "date-time"}));
    }
    out.insert("version".into(), json!({"type": "integer", "format": "int64"}));
    input.insert("custom".into(), custom);
    let mut create = input.clone();
    create.insert(
        "allow_duplicate".into(),
        json!({"type": "boolean", "description": "Save even when a similar record exists."}),
    );
    let mut patch = create.clone();
    patch.insert(
        "version".into(),
        json!({"type": "integer", "format": "int64", "description": "The version read last (409 when stale)."}),
    );
    let mut in_desc = format!(
        "A new {}: the fields to write; `custom` holds custom field values.",
        kind.entity
    );
    if kind.fields.iter().any(|f| f.ty == FieldType::Money) {
        in_desc.push_str(" Amounts are a JSON number or a string, Turkish (`\"1.250.000,50\"`) or with a decimal point (`\"1250000.50\"`).");
    }
    let schemas = json!({
        format!("{entity}Out"): {"type": "object", "properties": out, "required": ["id", "version"]},
        format!("{entity}In"): {"type": "object", "description": in_desc, "properties": create, "required": required_in, "additionalProperties": false},
        format!("{entity}Patch"): {"type": "object", "properties": patch, "required": ["version"], "additionalProperties": false},
        format!("{entity}List"): {"type": "object", "properties": {
            "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{entity}Out")}},
            "next_cursor": {"type": ["string", "null"]}}, "required": ["items", "next_cursor"]},
    });
    let r = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let out_ref = r(&format!("{entity}Out"));
    let problem =
        json!({"description": "Problem", "content": {"application/problem+json": {"schema": {"type": "object"}}}});
    let id_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}});
    let links = json!({
        "get": {"operationId": format!("get_{}", kind.entity), "parameters": {"id": "$response.body#/id"}},
        "patch": {"operationId": format!("patch_{}", kind.entity), "parameters": {"id": "$response.body#/id"}},
        "delete": {"operationId": format!("delete_{}", kind.entity), "parameters": {"id": "$response.body#/id"}},
    });
    let ok = |schema: J, links: Option<&J>| {
        let mut o = json!({"description": "OK", "content": {"application/json": {"schema": schema}}});
        if let Some(l) = links {
            o["links"] = l.clone();
        }
        o
    };
    let mut list_params = vec![
        json!({"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
               "description": "Turkish-insensitive text, or a phone number in any form."}),
        json!({"name": "sort", "in": "query", "schema": {"type": "string"},
               "description": format!("One of {}; a leading `-` sorts descending.",
                   kind.sorts.iter().map(|s| format!("`{}`", s.key)).collect::<Vec<_>>().join(", "))}),
        json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}),
        json!({"name": "cursor", "in": "query", "schema": {"type": "string"}}),
        json!({"name": "view", "in": "query", "schema": {"type": "integer", "format": "int64"},
               "description": "List through a saved view."}),
        json!({"name": "archived", "in": "query", "schema": {"type": "boolean"}}),
    ];
    for f in kind.fields.iter().filter(|f| f.filter) {
        let name = if f.ty == FieldType::Tags { "tag" } else { f.key };
        let mut schema = field_schema(f, false);
        if f.ty == FieldType::Tags {
            schema = json!({"type": "string"});
        }
        list_params.push(json!({"name": name, "in": "query", "schema": schema}));
    }
    let sec = json!([{"bearer": []}]);
    let paths = json!({
        format!("/api/v1/{k}"): {
            "get": {"operationId": format!("list_{k}"), "tags": [k], "parameters": list_params, "security": sec,
                    "responses": {"200": ok(r(&format!("{entity}List")), None), "401": problem, "422": problem}},
            "post": {"operationId": format!("create_{}", kind.entity), "tags": [k], "security": sec,
                     "requestBody": {"required": true, "content": {"application/json": {"schema": r(&format!("{entity}In"))}}},
                     "responses": {"201": ok(out_ref.clone(), Some(&links)), "400": problem, "401": problem, "403": problem,
                                   "409": problem, "413": problem, "415": problem, "422": problem}},
        },
        format!("/api/v1/{k}/{{id}}"): {
            "get": {"operationId": format!("get_{}", kind.entity), "tags": [k], "parameters": [id_param], "security": sec,
                    "responses": {"200": ok(out_ref.clone(), Some(&links)), "400": problem, "404": problem}},
            "patch": {"operationId": format!("patch_{}", kind.entity), "tags": [k], "parameters": [id_param], "security": sec,
                      "requestBody": {"required": true, "content": {"application/json": {"schema": r(&format!("{entity}Patch"))}}},
                      "responses": {"200": ok(out_ref.clone(), Some(&links)), "400": problem, "404": problem, "409": problem, "422": problem}},
            "delete": {"operationId": format!("delete_{}", kind.entity), "tags": [k], "security": sec,
                       "parameters": [id_param,
                           {"name": "hard", "in": "query", "schema": {"type": "boolean"}, "description": "Delete for good (admins); otherwise archive."},
                           {"name": "version", "in": "query", "schema": {"type": "integer", "format": "int64"}}],
                       "responses": {"204": {"description": "Archived or deleted"}, "403": problem, "404": problem, "409": problem}},
        },
        format!("/api/v1/{k}/{{id}}/restore"): {
            "post": {"operationId": format!("restore_{}", kind.entity), "tags": [k], "parameters": [id_param], "security": sec,
                     "responses": {"200": ok(out_ref.clone(), None), "404": problem, "409": problem}},
        },
        format!("/api/v1/{k}/{{id}}/history"): {
            "get": {"operationId": format!("history_{}", kind.entity), "tags": [k], "parameters": [id_param], "security": sec,
                    "responses": {"200": ok(json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}}), None),
                                  "404": problem}},
        },
    });
    merge(doc, "paths", paths);
    if kind.merge {
        let merge_in = json!({"type": "object", "required": ["merged_id", "version", "merged_version"], "additionalProperties": false,
            "properties": {
                "merged_id": {"type": "integer", "format": "int64", "description": "The record that goes away (archived; what points at it moves to this one)."},
                "version": {"type": "integer", "format": "int64", "description": "This record's version as read."},
                "merged_version": {"type": "integer", "format": "int64", "description": "The merged record's version as read."},
                "take": {"type": "array", "items": {"type": "string"}, "description": "Fields (`custom.KEY` for custom ones) taken from the merged record; the others keep this record's value, or the merged one's where this has none."},
                "fields": {"type": "object", "description": "Values to set on this record, like a PATCH body without `version`."}}});
        let paths = json!({format!("/api/v1/{k}/{{id}}/merge"): {
            "post": {"operationId": format!("merge_{}", kind.entity), "tags": [k], "parameters": [id_param], "security": sec,
                     "requestBody": {"required": true, "content": {"application/json": {"schema": merge_in}}},
                     "responses": {"200": ok(out_ref.clone(), None), "403": problem, "404": problem, "409": problem, "422": problem}}}});
        merge(doc, "paths", paths);
    }
    if let Some(c) = doc.get_mut("components") {
        merge(c, "schemas", schemas);
    }
}

fn merge(doc: &mut J, key: &str, add: J) {
    let Some(obj) = doc.as_object_mut() else { return };
    let slot = obj.entry(key).or_insert_with(|| json!({}));
    if let (Some(slot), J::Object(add)) = (slot.as_object_mut(), add) {
        slot.extend(add);
    }
}

/// The meta, custom field and view paths.
pub fn add_shared(doc: &mut J) {
    let sec = json!([{"bearer": []}]);
    let kind_param = json!({"name": "kind", "in": "path", "required": true, "schema": {"type": "string"}});
    let key_param = json!({"name": "key", "in": "path", "required": true, "schema": {"type": "string"}});
    let id_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}});
    let obj = json!({"type": "object"});
    let ok = json!({"description": "OK", "content": {"application/json": {"schema": obj}}});
    let field_in = json!({"type": "object", "properties": {
        "label": {"type": "string", "maxLength": 100},
        "type": {"type": "string", "enum": ["text", "long_text", "number", "money", "date", "bool", "choice", "multi_choice", "user"]},
        "options": {"type": "array", "items": {"type": "string"}},
        "required": {"type": "boolean"}, "filterable": {"type": "boolean"}, "searchable": {"type": "boolean"},
        "sortable": {"type": "boolean"}, "position": {"type": "integer"}, "active": {"type": "boolean"}}});
    let view_in = json!({"type": "object", "properties": {
        "kind": {"type": "string"}, "name": {"type": "string", "maxLength": 100},
        "filters": {"type": "object", "additionalProperties": {"type": "string"}},
        "columns": {"type": "array", "items": {"type": "string"}}, "sort": {"type": "string"}, "shared": {"type": "boolean"}}});
    let body = |s: &J| json!({"required": true, "content": {"application/json": {"schema": s}}});
    let paths = json!({
        "/api/v1/meta/{kind}": {"get": {"operationId": "get_meta", "tags": ["meta"], "parameters": [kind_param], "security": sec, "responses": {"200": ok}}},
        "/api/v1/meta/{kind}/fields": {"post": {"operationId": "create_custom_field", "tags": ["meta"], "parameters": [kind_param], "security": sec,
            "requestBody": body(&field_in), "responses": {"201": ok, "403": {"description": "Admins only"}, "422": {"description": "Invalid"}}}},
        "/api/v1/meta/{kind}/fields/{key}": {
            "get": {"operationId": "get_custom_field", "tags": ["meta"], "parameters": [kind_param, key_param], "security": sec, "responses": {"200": ok}},
            "patch": {"operationId": "patch_custom_field", "tags": ["meta"], "parameters": [kind_param, key_param], "security": sec,
                      "requestBody": body(&field_in), "responses": {"200": ok}},
            "delete": {"operationId": "deactivate_custom_field", "tags": ["meta"], "parameters": [kind_param, key_param], "security": sec,
                       "responses": {"200": ok}}},
        "/api/v1/views": {
            "get": {"operationId": "list_views", "tags": ["views"], "security": sec,
                    "parameters": [{"name": "kind", "in": "query", "schema": {"type": "string"}}], "responses": {"200": ok}},
            "post": {"operationId": "create_view", "tags": ["views"], "security": sec, "requestBody": body(&view_in),
                     "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": obj}},
                        "links": {"get": {"operationId": "get_view", "parameters": {"id": "$response.body#/id"}}}}}}},
        "/api/v1/views/{id}": {
            "get": {"operationId": "get_view", "tags": ["views"], "parameters": [id_param], "security": sec, "responses": {"200": ok}},
            "patch": {"operationId": "patch_view", "tags": ["views"], "parameters": [id_param], "security": sec, "requestBody": body(&view_in), "responses": {"200": ok}},
            "delete": {"operationId": "delete_view", "tags": ["views"], "parameters": [id_param], "security": sec, "responses": {"204": {"description": "Deleted"}}}},
    });
    merge(doc, "paths", paths);
}
