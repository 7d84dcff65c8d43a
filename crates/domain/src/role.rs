//! Roles (from the domain guide §1) and what each may do.

use crate::org::OrgKind;
use serde::{Deserialize, Serialize};

/// A user's role. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Administers users and organisations at and below their organisation.
    Admin,
    /// OEM customer-relations staff, regional managers, inspectors (厂家).
    BrandStaff,
    /// Dealer-group customer-management team (集团).
    GroupStaff,
    /// 总经理
    GeneralManager,
    /// 客户经理
    CustomerManager,
    /// 回访员 (sales or service callback agent)
    CallbackAgent,
    /// 流程点检员
    ProcessInspector,
    /// 信息维护员
    InfoMaintainer,
    /// 风控管理员 / complaint manager
    ComplaintManager,
    /// 销售顾问
    SalesConsultant,
    /// 服务顾问
    ServiceAdvisor,
}

/// Something a user may be allowed to do. Handlers ask for a permission, never for a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create, change and deactivate users in scope.
    ManageUsers,
    /// Create, change and deactivate organisations in scope.
    ManageOrgs,
    /// Read the audit log of the organisations in scope.
    ReadAudit,
    /// See users and organisations in scope.
    ViewDirectory,
    /// See customers, vehicles and their history in scope (personal data masked).
    ViewCustomers,
    /// Create and change customers, vehicles and history records.
    EditCustomers,
    /// Reveal a customer's full phone numbers and ID number (audited).
    RevealPersonal,
    /// Export customer lists with personal data unmasked (audited).
    ExportPersonal,
    /// Load files from a DMS or spreadsheets.
    ImportData,
    /// Erase (anonymise) a customer on request, and export their data (PIPL).
    ErasePersonal,
    /// Accept a non-Chinese VIN whose check digit does not match.
    OverrideVinCheck,
    /// Work callback tasks: open the queue, record attempts, close follow-ups.
    WorkCallbacks,
    /// Reassign and cancel callback tasks, see every agent's load.
    SuperviseCallbacks,
    /// Read callback statistics.
    ViewCallbackStats,
    /// Change the callback policy (brand staff; dealer managers where the brand allows).
    EditPolicy,
    /// Edit the business calendar (public holidays, make-up working days).
    ManageCalendar,
    /// File a complaint (from a call, the counter, the hotline …).
    FileComplaints,
    /// Handle complaints: transitions, pauses, the handling form.
    HandleComplaints,
    /// Confirm or waive a zero-tolerance penalty (the brand).
    DecidePenalties,
    /// Read complaint statistics.
    ViewComplaintStats,
    /// Merging two customer records into one (destructive: the merged record is gone).
    MergeCustomers,
    /// Deleting a saved segment.
    DeleteSegments,
    /// Set up the dealer's workshop: bays, technicians.
    ManageWorkshop,
    /// Book workshop appointments and record arrivals, no-shows and cancellations.
    BookAppointments,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Admin,
        Role::BrandStaff,
        Role::GroupStaff,
        Role::GeneralManager,
        Role::CustomerManager,
        Role::CallbackAgent,
        Role::ProcessInspector,
        Role::InfoMaintainer,
        Role::ComplaintManager,
        Role::SalesConsultant,
        Role::ServiceAdvisor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::BrandStaff => "brand_staff",
            Role::GroupStaff => "group_staff",
            Role::GeneralManager => "general_manager",
            Role::CustomerManager => "customer_manager",
            Role::CallbackAgent => "callback_agent",
            Role::ProcessInspector => "process_inspector",
            Role::InfoMaintainer => "info_maintainer",
            Role::ComplaintManager => "complaint_manager",
            Role::SalesConsultant => "sales_consultant",
            Role::ServiceAdvisor => "service_advisor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The organisation kinds a holder of this role may belong to: OEM staff sit at the
    /// brand or a region, group staff at a group, store roles at a dealer.
    pub fn fits_org(self, kind: OrgKind) -> bool {
        match self {
            Role::Admin => true,
            Role::BrandStaff => matches!(kind, OrgKind::Brand | OrgKind::Region),
            Role::GroupStaff => kind == OrgKind::Group,
            _ => kind == OrgKind::Dealer,
        }
    }

    /// What each role may do. Personal data is revealed only to the store roles that
    /// contact customers (PIPL: minimum necessary); administrators run the system but do
    /// not read customers' numbers.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => !matches!(
                permission,
                RevealPersonal
                    | ExportPersonal
                    | ErasePersonal
                    | WorkCallbacks
                    | FileComplaints
                    | HandleComplaints
                    | DecidePenalties
            ),
            Role::BrandStaff => matches!(
                permission,
                ReadAudit
                    | ViewDirectory
                    | ViewCustomers
                    | ViewCallbackStats
                    | EditPolicy
                    | ManageCalendar
                    | DecidePenalties
                    | ViewComplaintStats
                    | DeleteSegments
            ),
            Role::GroupStaff => matches!(
                permission,
                ViewDirectory | ViewCustomers | ViewCallbackStats | ViewComplaintStats
            ),
            Role::GeneralManager | Role::CustomerManager => matches!(
                permission,
                ViewDirectory
                    | ViewCustomers
                    | EditCustomers
                    | RevealPersonal
                    | ExportPersonal
                    | ImportData
                    | ErasePersonal
                    | OverrideVinCheck
                    | WorkCallbacks
                    | SuperviseCallbacks
                    | ViewCallbackStats
                    | EditPolicy
                    | FileComplaints
                    | HandleComplaints
                    | ViewComplaintStats
                    | MergeCustomers
                    | DeleteSegments
                    | ManageWorkshop
                    | BookAppointments
            ),
            Role::InfoMaintainer => matches!(
                permission,
                ViewCustomers
                    | EditCustomers
                    | RevealPersonal
                    | ImportData
                    | OverrideVinCheck
                    | WorkCallbacks
                    | MergeCustomers
            ),
            Role::CallbackAgent => matches!(
                permission,
                ViewCustomers
                    | EditCustomers
                    | RevealPersonal
                    | WorkCallbacks
                    | ViewCallbackStats
                    | FileComplaints
                    | BookAppointments
            ),
            Role::ComplaintManager => matches!(
                permission,
                ViewCustomers
                    | EditCustomers
                    | RevealPersonal
                    | WorkCallbacks
                    | FileComplaints
                    | HandleComplaints
                    | ViewComplaintStats
            ),
            Role::SalesConsultant => matches!(
                permission,
                ViewCustomers | EditCustomers | RevealPersonal | WorkCallbacks | FileComplaints
            ),
            Role::ServiceAdvisor => matches!(
                permission,
                ViewCustomers | EditCustomers | RevealPersonal | WorkCallbacks | FileComplaints | BookAppointments
            ),
            Role::ProcessInspector => matches!(permission, ViewCustomers | ViewCallbackStats | ViewComplaintStats),
        }
    }
}

/// Whether any of `roles` grants `permission`.
pub fn allows(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| r.grants(permission))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_and_admin_fits_everywhere() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert!(Role::Admin.fits_org(OrgKind::Dealer));
        }
        assert!(!Role::CallbackAgent.fits_org(OrgKind::Brand));
        assert!(Role::BrandStaff.fits_org(OrgKind::Region));
        assert!(!Role::GroupStaff.fits_org(OrgKind::Dealer));
    }

    #[test]
    fn audit_is_for_admins_and_brand_staff_only() {
        for role in Role::ALL {
            let expected = matches!(role, Role::Admin | Role::BrandStaff);
            assert_eq!(role.grants(Permission::ReadAudit), expected, "{role:?}");
        }
        assert!(allows(&[Role::CallbackAgent, Role::Admin], Permission::ManageUsers));
        assert!(!allows(&[Role::CallbackAgent], Permission::ManageUsers));
        assert!(
            !Role::Admin.grants(Permission::RevealPersonal),
            "admins do not read numbers"
        );
        assert!(Role::CallbackAgent.grants(Permission::RevealPersonal));
        assert!(!Role::BrandStaff.grants(Permission::RevealPersonal));
        assert!(!Role::CallbackAgent.grants(Permission::ExportPersonal));
    }

    #[test]
    fn destructive_actions_are_for_the_archive_keepers() {
        for role in [
            Role::CallbackAgent,
            Role::SalesConsultant,
            Role::ServiceAdvisor,
            Role::ComplaintManager,
        ] {
            assert!(!role.grants(Permission::MergeCustomers), "{role:?}");
            assert!(!role.grants(Permission::DeleteSegments), "{role:?}");
        }
        assert!(Role::InfoMaintainer.grants(Permission::MergeCustomers));
        assert!(Role::CustomerManager.grants(Permission::DeleteSegments));
    }
}
