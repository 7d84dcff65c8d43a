//! Typed cells of an import row: every problem in a row is collected, none stops the
//! reading early, so the user sees all of them at once.

use super::resolve::CustomerRow;
use super::row::RowError;
use chrono::NaiveDate;
use dcrc_domain::{IdNumber, Phone, Plate, Vin};
use dcrc_io::columns::{ColumnMap, Field};
use dcrc_io::values::{parse_date, parse_money_fen, parse_whole};

/// Reads typed cells of a record, collecting every problem.
pub(crate) struct Cells<'a> {
    pub map: &'a ColumnMap,
    pub record: &'a [String],
    pub errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    pub(crate) fn raw(&self, f: Field) -> Option<&'a str> {
        self.map.get(self.record, f)
    }

    pub(crate) fn fail(&mut self, f: Field, code: &'static str) {
        let value = self.raw(f).unwrap_or("").to_string();
        self.errors.push(RowError {
            column: self.map.header(f),
            value,
            code,
        });
    }

    /// A text cell; longer than `max` characters is an error, never silently cut.
    pub(crate) fn text(&mut self, f: Field, max: usize) -> Option<String> {
        let v = self.raw(f)?;
        if v.chars().count() > max {
            self.fail(f, "too_long");
            return None;
        }
        Some(v.to_string())
    }

    pub(crate) fn required(&mut self, f: Field) -> Option<&'a str> {
        let v = self.raw(f);
        if v.is_none() {
            self.fail(f, "required");
        }
        v
    }

    pub(crate) fn date(&mut self, f: Field) -> Option<NaiveDate> {
        let raw = self.raw(f)?;
        let d = parse_date(raw);
        match d {
            None => self.fail(f, "date_format"),
            Some(d) if !dcrc_domain::validation::plausible_date(d) => {
                self.fail(f, "date_range");
                return None;
            }
            Some(_) => {}
        }
        d
    }

    pub(crate) fn money(&mut self, f: Field) -> Option<i64> {
        let raw = self.raw(f)?;
        let m = parse_money_fen(raw).filter(|m| *m >= 0);
        if m.is_none() {
            self.fail(f, "money_format");
        }
        m
    }

    pub(crate) fn whole(&mut self, f: Field) -> Option<i64> {
        let raw = self.raw(f)?;
        let n = parse_whole(raw).filter(|n| (0..=5_000_000).contains(n));
        if n.is_none() {
            self.fail(f, "number_format");
        }
        n
    }

    pub(crate) fn phone(&mut self, f: Field) -> Option<Phone> {
        let raw = self.raw(f)?;
        match Phone::parse(raw) {
            Ok(p) => Some(p),
            Err(e) => {
                self.fail(f, e.code());
                None
            }
        }
    }

    pub(crate) fn vin(&mut self) -> Option<Vin> {
        let raw = self.required(Field::Vin)?;
        match Vin::parse(raw) {
            Ok((v, None)) => Some(v),
            Ok((_, Some(_))) => {
                self.fail(Field::Vin, "vin_check_digit_warning");
                None
            }
            Err(e) => {
                self.fail(Field::Vin, e.code());
                None
            }
        }
    }
}

pub(crate) fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// The repair kind from a DMS label.
pub(crate) fn repair_kind(label: Option<&str>) -> String {
    let l = label.unwrap_or("").to_lowercase();
    let kind = if l.contains("首保") || l.contains("first") {
        "first_maintenance"
    } else if l.contains("保养") || l.contains("maint") || l.contains("定保") {
        "maintenance"
    } else if l.contains("保修") || l.contains("索赔") || l.contains("warrant") || l.contains("三包") {
        "warranty"
    } else if l.contains("事故") || l.contains("钣") || l.contains("喷") || l.contains("accident") {
        "accident"
    } else if l.contains("修") || l.contains("repair") {
        "repair"
    } else {
        "other"
    };
    kind.to_string()
}

pub(crate) fn policy_kind(label: &str) -> String {
    if label.contains("交强") || label.eq_ignore_ascii_case("compulsory") {
        "compulsory".into()
    } else if label.contains("商业") || label.eq_ignore_ascii_case("commercial") {
        "commercial".into()
    } else {
        label.chars().take(20).collect()
    }
}

pub(crate) fn customer_row(c: &mut Cells<'_>) -> Option<CustomerRow> {
    if ![Field::CustomerSourceId, Field::Name, Field::Phone, Field::Phone2]
        .iter()
        .any(|f| c.raw(*f).is_some())
    {
        return None;
    }
    let mut row = CustomerRow {
        source_id: c.text(Field::CustomerSourceId, 64),
        name: c.text(Field::Name, 100),
        ..CustomerRow::default()
    };
    for f in [Field::Phone, Field::Phone2] {
        if let Some(p) = c.phone(f) {
            if !row.phones.contains(&p) {
                row.phones.push(p);
            }
        }
    }
    for (f, col, max) in [
        (Field::Gender, "gender", 10),
        (Field::Province, "province", 20),
        (Field::City, "city", 30),
        (Field::District, "district", 30),
        (Field::Address, "address", 200),
        (Field::Membership, "membership_level", 30),
    ] {
        if let Some(v) = c.text(f, max) {
            row.fields.push((col, v));
        }
    }
    if let Some(raw) = c.raw(Field::IdNumber) {
        match IdNumber::parse(raw) {
            Ok(id) => row.fields.push(("id_number", id.as_str().to_string())),
            Err(e) => c.fail(Field::IdNumber, e.code()),
        }
    }
    let list = |v: Option<&str>| {
        v.map(|s| {
            s.split([',', '，', ';', '；', '/', '、'])
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default()
    };
    row.tags = list(c.raw(Field::Tags));
    row.attributes = list(c.raw(Field::Attributes));
    Some(row)
}

/// The vehicle's own fields, validated even when the VIN is bad so every problem is reported.
pub(crate) fn vehicle_fields(c: &mut Cells<'_>) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    if let Some(raw) = c.raw(Field::Plate) {
        match Plate::parse(raw) {
            Ok(p) => fields.push(("plate", p.as_str().to_string())),
            Err(e) => c.fail(Field::Plate, e.code()),
        }
    }
    for (f, col) in [
        (Field::Brand, "brand"),
        (Field::Model, "model"),
        (Field::Trim, "trim_level"),
        (Field::Colour, "colour"),
    ] {
        if let Some(v) = c.text(f, 60) {
            fields.push((col, v));
        }
    }
    for (f, col) in [
        (Field::PurchaseDate, "purchase_date"),
        (Field::DeliveryDate, "delivery_date"),
    ] {
        if let Some(d) = c.date(f) {
            fields.push((col, d.format("%Y-%m-%d").to_string()));
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dms_labels_map_to_repair_kinds() {
        assert_eq!(repair_kind(Some("首保")), "first_maintenance");
        assert_eq!(repair_kind(Some("定期保养")), "maintenance");
        assert_eq!(repair_kind(Some("索赔")), "warranty");
        assert_eq!(repair_kind(Some("钣喷")), "accident");
        assert_eq!(repair_kind(Some("一般维修")), "repair");
        assert_eq!(repair_kind(None), "other");
        assert_eq!(policy_kind("交强险"), "compulsory");
    }
}
