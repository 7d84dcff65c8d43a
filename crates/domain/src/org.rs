//! The organisation tree: brand (car maker) → region → dealer group → dealer.

use serde::{Deserialize, Serialize};

/// The kind of an organisation node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A car maker (厂家 / OEM); the root of a tree.
    Brand,
    /// A sales region of a brand (大区); regions may nest.
    Region,
    /// A dealer group (经销商集团); groups may nest.
    Group,
    /// A dealer / 4S store (专营店); always a leaf.
    Dealer,
}

impl OrgKind {
    pub const ALL: [OrgKind; 4] = [OrgKind::Brand, OrgKind::Region, OrgKind::Group, OrgKind::Dealer];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Brand => "brand",
            OrgKind::Region => "region",
            OrgKind::Group => "group",
            OrgKind::Dealer => "dealer",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a node of kind `child` may be placed directly under a node of this kind.
    /// Brands are roots; dealers are leaves; regions and groups may nest as the data needs.
    pub fn may_contain(self, child: OrgKind) -> bool {
        use OrgKind::*;
        match (self, child) {
            (_, Brand) | (Dealer, _) => false,
            (Brand | Region, Region | Group | Dealer) => true,
            (Group, Group | Dealer) => true,
            (Group, Region) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OrgKind::*;

    #[test]
    fn tree_shape_rules() {
        assert!(Brand.may_contain(Region));
        assert!(Brand.may_contain(Dealer));
        assert!(Region.may_contain(Region));
        assert!(Group.may_contain(Dealer));
        assert!(!Group.may_contain(Region));
        assert!(!Dealer.may_contain(Dealer));
        for k in super::OrgKind::ALL {
            assert!(!k.may_contain(Brand));
            assert_eq!(super::OrgKind::parse(k.as_str()), Some(k));
        }
    }
}
