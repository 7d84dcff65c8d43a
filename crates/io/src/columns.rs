//! Column headers: the names dealers' DMS exports and spreadsheets use, in Chinese or
//! English, mapped to the fields DCRC knows. An explicit mapping overrides recognition.

use std::collections::HashMap;

/// A field an import row can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    CustomerSourceId,
    Name,
    Phone,
    Phone2,
    Gender,
    IdNumber,
    Province,
    City,
    District,
    Address,
    Membership,
    Tags,
    Attributes,
    Vin,
    Plate,
    Brand,
    Model,
    Trim,
    Colour,
    PurchaseDate,
    DeliveryDate,
    Mileage,
    SourceId,
    Consultant,
    ContractDate,
    Amount,
    RoNumber,
    OpenedOn,
    DeliveredOn,
    RepairKind,
    Labour,
    Parts,
    Total,
    Advisor,
    FaultDescription,
    FaultCode,
    Insurer,
    PolicyKind,
    PolicyNumber,
    StartDate,
    ExpiryDate,
    Premium,
}

/// (field, stable name used in mappings and error reports, recognised headers).
const FIELDS: &[(Field, &str, &[&str])] = &[
    (
        Field::CustomerSourceId,
        "customer_source_id",
        &[
            "客户编号",
            "客户id",
            "客户代码",
            "customerid",
            "customer_id",
            "customersourceid",
            "客户档案号",
        ],
    ),
    (
        Field::Name,
        "name",
        &[
            "客户姓名",
            "姓名",
            "客户名称",
            "车主姓名",
            "车主",
            "客户",
            "name",
            "customername",
            "customer",
        ],
    ),
    (
        Field::Phone,
        "phone",
        &[
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
            "电话",
            "移动电话",
            "车主电话",
            "mobile",
            "phone",
            "tel",
            "telephone",
        ],
    ),
    (
        Field::Phone2,
        "phone2",
        &[
            "备用电话",
            "其他电话",
            "联系电话2",
            "电话2",
            "固定电话",
            "座机",
            "phone2",
            "landline",
        ],
    ),
    (Field::Gender, "gender", &["性别", "gender", "sex"]),
    (
        Field::IdNumber,
        "id_number",
        &[
            "身份证号",
            "身份证号码",
            "证件号码",
            "证件号",
            "idnumber",
            "id_number",
            "idcard",
        ],
    ),
    (Field::Province, "province", &["省份", "省", "province"]),
    (Field::City, "city", &["城市", "市", "city"]),
    (Field::District, "district", &["区县", "区", "县", "district"]),
    (Field::Address, "address", &["地址", "联系地址", "住址", "address"]),
    (
        Field::Membership,
        "membership_level",
        &["会员等级", "会员级别", "membership", "membershiplevel"],
    ),
    (Field::Tags, "tags", &["标签", "tags", "tag"]),
    (
        Field::Attributes,
        "attributes",
        &["客户属性", "客户类型", "属性", "attributes", "customertype"],
    ),
    (
        Field::Vin,
        "vin",
        &[
            "车架号",
            "vin码",
            "vin",
            "底盘号",
            "车辆识别代号",
            "车辆识别码",
            "vinno",
        ],
    ),
    (
        Field::Plate,
        "plate",
        &[
            "车牌",
            "车牌号",
            "车牌号码",
            "号牌",
            "plate",
            "platenumber",
            "licenseplate",
        ],
    ),
    (Field::Brand, "brand", &["品牌", "brand", "make"]),
    (Field::Model, "model", &["车型", "车系", "车型名称", "model"]),
    (
        Field::Trim,
        "trim_level",
        &["配置", "车款", "版本", "trim", "trimlevel"],
    ),
    (Field::Colour, "colour", &["颜色", "车身颜色", "colour", "color"]),
    (
        Field::PurchaseDate,
        "purchase_date",
        &[
            "购车日期",
            "开票日期",
            "购买日期",
            "发票日期",
            "purchasedate",
            "invoicedate",
        ],
    ),
    (
        Field::DeliveryDate,
        "delivery_date",
        &["交车日期", "交付日期", "提车日期", "deliverydate"],
    ),
    (
        Field::Mileage,
        "mileage_km",
        &["里程", "行驶里程", "进厂里程", "公里数", "mileage", "mileagekm", "km"],
    ),
    (
        Field::SourceId,
        "source_record_id",
        &[
            "单据编号",
            "记录编号",
            "来源编号",
            "sourceid",
            "source_record_id",
            "recordid",
        ],
    ),
    (
        Field::Consultant,
        "consultant_name",
        &["销售顾问", "销售员", "consultant", "salesconsultant"],
    ),
    (
        Field::ContractDate,
        "contract_date",
        &["合同日期", "签约日期", "订单日期", "contractdate", "orderdate"],
    ),
    (
        Field::Amount,
        "amount",
        &["成交价", "成交金额", "销售金额", "车价", "金额", "amount", "price"],
    ),
    (
        Field::RoNumber,
        "ro_number",
        &[
            "工单号",
            "维修工单号",
            "委托书号",
            "工单编号",
            "ronumber",
            "ro_number",
            "ro",
        ],
    ),
    (
        Field::OpenedOn,
        "opened_on",
        &[
            "进厂日期",
            "开单日期",
            "维修日期",
            "进站日期",
            "openedon",
            "servicedate",
            "opendate",
        ],
    ),
    (
        Field::DeliveredOn,
        "delivered_on",
        &["出厂日期", "结算日期", "交车时间", "deliveredon", "closedate"],
    ),
    (
        Field::RepairKind,
        "repair_kind",
        &["维修类型", "工单类型", "业务类型", "repairkind", "servicetype", "kind"],
    ),
    (Field::Labour, "labour", &["工时费", "工时金额", "labour", "labor"]),
    (Field::Parts, "parts", &["材料费", "配件费", "零件费", "parts"]),
    (
        Field::Total,
        "total",
        &["总金额", "合计金额", "结算金额", "合计", "total"],
    ),
    (
        Field::Advisor,
        "advisor_name",
        &["服务顾问", "接待员", "advisor", "serviceadvisor"],
    ),
    (
        Field::FaultDescription,
        "fault_description",
        &["故障描述", "客户描述", "维修内容", "faultdescription", "complaint"],
    ),
    (Field::FaultCode, "fault_code", &["故障代码", "faultcode", "dtc"]),
    (Field::Insurer, "insurer", &["保险公司", "承保公司", "insurer"]),
    (
        Field::PolicyKind,
        "policy_kind",
        &["险种", "保险类型", "policykind", "insurancetype"],
    ),
    (
        Field::PolicyNumber,
        "policy_number",
        &["保单号", "保单号码", "policynumber", "policyno"],
    ),
    (
        Field::StartDate,
        "start_date",
        &["起保日期", "生效日期", "保险开始日期", "startdate"],
    ),
    (
        Field::ExpiryDate,
        "expiry_date",
        &["到期日期", "保险到期日", "终保日期", "expirydate", "enddate"],
    ),
    (Field::Premium, "premium", &["保费", "保险费", "premium"]),
];

impl Field {
    /// The stable name used in mappings and error reports.
    pub fn name(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(f, _, _)| *f == self)
            .map(|(_, n, _)| *n)
            .unwrap_or("unknown")
    }

    pub fn parse(name: &str) -> Option<Field> {
        FIELDS.iter().find(|(_, n, _)| *n == name).map(|(f, _, _)| *f)
    }

    /// Every field, in the order imports list them.
    pub fn all() -> impl Iterator<Item = Field> {
        FIELDS.iter().map(|(f, _, _)| *f)
    }

    /// The header a template uses for the field (its first recognised name, in Chinese).
    pub fn default_header(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(f, _, _)| *f == self)
            .and_then(|(_, _, aliases)| aliases.first().copied())
            .unwrap_or("")
    }
}

/// Lower-case, without spaces, colons, an asterisk marking required columns, or a note
/// in brackets (`手机（必填）`).
pub fn normalise_header(h: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in h.chars().map(dcrc_domain::text::half_width) {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = (depth - 1).max(0),
            _ if depth > 0 => {}
            c if c.is_whitespace() || matches!(c, ':' | '：' | '*' | '_' | '-' | '.') => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn recognise(header: &str) -> Option<Field> {
    let h = normalise_header(header);
    FIELDS
        .iter()
        .find(|(_, _, aliases)| aliases.iter().any(|a| normalise_header(a) == h))
        .map(|(f, _, _)| *f)
}

/// Which column holds which field.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    /// Column index → field.
    by_index: Vec<Option<Field>>,
    headers: Vec<String>,
}

/// A mapping entry that names no known field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField(pub String);

impl ColumnMap {
    /// Recognises the headers; `overrides` maps a header (as written) to a field name, or
    /// to `""` to ignore that column.
    pub fn new(headers: &[String], overrides: &HashMap<String, String>) -> Result<ColumnMap, UnknownField> {
        let mut by_index = Vec::with_capacity(headers.len());
        for h in headers {
            let field = match overrides.get(h.trim()) {
                Some(name) if name.is_empty() => None,
                Some(name) => Some(Field::parse(name).ok_or_else(|| UnknownField(name.clone()))?),
                None => recognise(h),
            };
            // A field recognised twice keeps its first column.
            by_index.push(field.filter(|f| !by_index.contains(&Some(*f))));
        }
        Ok(ColumnMap {
            by_index,
            headers: headers.to_vec(),
        })
    }

    /// The field recognised (or mapped) in column `i`.
    pub fn field_at(&self, i: usize) -> Option<Field> {
        self.by_index.get(i).copied().flatten()
    }

    pub fn has(&self, field: Field) -> bool {
        self.by_index.contains(&Some(field))
    }

    /// The header text of a field's column (for error reports).
    pub fn header(&self, field: Field) -> String {
        self.by_index
            .iter()
            .position(|f| *f == Some(field))
            .and_then(|i| self.headers.get(i))
            .cloned()
            .unwrap_or_else(|| field.name().to_string())
    }

    /// The trimmed, non-empty value of a field in a record.
    pub fn get<'a>(&self, record: &'a [String], field: Field) -> Option<&'a str> {
        let i = self.by_index.iter().position(|f| *f == Some(field))?;
        record.get(i).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// Headers that were not recognised (shown to the user so they can map them).
    pub fn unmapped(&self) -> Vec<String> {
        self.headers
            .iter()
            .zip(&self.by_index)
            .filter(|(_, f)| f.is_none())
            .map(|(h, _)| h.clone())
            .filter(|h| !h.trim().is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn chinese_and_english_headers_are_recognised() {
        let map = ColumnMap::new(
            &headers(&[
                "客户姓名",
                "手机号",
                "车架号",
                "车牌号",
                "车型",
                "开票日期",
                "交车日期",
                "备注",
            ]),
            &HashMap::new(),
        )
        .unwrap();
        let rec = headers(&[" 王小明 ", "13812345678", "LGW", "粤A1", "哈弗H6", "2023/5/6", "", "x"]);
        assert_eq!(map.get(&rec, Field::Name), Some("王小明"));
        assert_eq!(map.get(&rec, Field::PurchaseDate), Some("2023/5/6"));
        assert_eq!(map.get(&rec, Field::DeliveryDate), None);
        assert_eq!(map.unmapped(), vec!["备注"]);
        let en = ColumnMap::new(
            &headers(&["Name", "Mobile", "VIN", "Plate Number", "Model"]),
            &HashMap::new(),
        )
        .unwrap();
        assert!(en.has(Field::Name) && en.has(Field::Phone) && en.has(Field::Vin) && en.has(Field::Plate));
        assert!(ColumnMap::new(&headers(&["手机（必填）*"]), &HashMap::new())
            .unwrap()
            .has(Field::Phone));
    }

    #[test]
    fn an_explicit_mapping_wins() {
        let mut o = HashMap::new();
        o.insert("车主名".to_string(), "name".to_string());
        o.insert("电话".to_string(), "".to_string());
        o.insert("联系方式".to_string(), "phone".to_string());
        let map = ColumnMap::new(&headers(&["车主名", "电话", "联系方式"]), &o).unwrap();
        let rec = headers(&["李雷", "020-1", "13900001111"]);
        assert_eq!(map.get(&rec, Field::Name), Some("李雷"));
        assert_eq!(map.get(&rec, Field::Phone), Some("13900001111"));
        o.insert("车主名".to_string(), "nmae".to_string());
        assert_eq!(
            ColumnMap::new(&headers(&["车主名"]), &o).unwrap_err(),
            UnknownField("nmae".into())
        );
    }
}
