import { registerEnumType } from 'type-graphql';
import { ATTESTATION_STATUSES, FRAMEWORKS, OPINIONS, SOC_TYPES, SUBSERVICE_METHODS, TRUST_SERVICE_CRITERIA, type TrustServiceCriterion } from '../domain/attestation';
import { ACCESS_STATES } from '../domain/access';
import { API_KEY_SCOPES } from '../domain/api-keys';
import { STATUS_REASONS, VENDOR_STATUSES } from '../domain/compliance';
import { DOCUMENT_KINDS, VISIBILITIES, type DocumentKind } from '../domain/document';
import { ROLES } from '../modules/tenancy/membership.entity';

/** GraphQL enums built from the domain's constant lists, so the two can never drift apart. */
function enumOf<T extends string>(values: readonly T[]): { [K in T]: K } {
  return Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };
}

export const RoleEnum = enumOf(ROLES);
registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'What a member may do in an organization.',
  valuesConfig: {
    OWNER: { description: 'Everything, including ownership and roles.' },
    ADMIN: { description: 'Everything but ownership: publishes, manages access and settings.' },
    EDITOR: { description: 'Writes drafts: trust center profile, attestations, bridge letters.' },
    ACCESS_MANAGER: { description: 'Decides access requests.' },
    VIEWER: { description: 'Reads everything of the organization, changes nothing.' },
  },
});

export const FrameworkEnum = enumOf(FRAMEWORKS);
registerEnumType(FrameworkEnum, {
  name: 'Framework',
  description: 'The standard an attestation reports against.',
  valuesConfig: {
    SOC1: { description: 'SOC 1 (ICFR, SSAE 18 / ISAE 3402).' },
    SOC2: { description: 'SOC 2 (AICPA Trust Services Criteria); Security is always in scope.' },
    SOC3: { description: 'SOC 3: the general-use summary of a SOC 2 examination.' },
    ISO27001: { description: 'ISO/IEC 27001 certificate (3-year validity, surveillance audits in years 1 and 2).' },
    ISO27701: { description: 'ISO/IEC 27701 privacy extension certificate.' },
    PCI_DSS: { description: 'PCI DSS Attestation of Compliance (1-year validity).' },
    HIPAA: { description: 'HIPAA assessment.' },
    HITRUST: { description: 'HITRUST CSF certification (r2: 2-year validity).' },
    CSA_STAR: { description: 'CSA STAR attestation or certification.' },
    GDPR: { description: 'GDPR assessment.' },
    OTHER: { description: 'Any other framework.' },
  },
});

export const SocTypeEnum = enumOf(SOC_TYPES);
registerEnumType(SocTypeEnum, {
  name: 'SocType',
  description: 'SOC report type.',
  valuesConfig: {
    TYPE_I: { description: 'Design of controls as of a single date (`asOf`).' },
    TYPE_II: { description: 'Operating effectiveness over a period (`periodStart` to `periodEnd`, usually 3-12 months).' },
  },
});

export const OpinionEnum = enumOf(OPINIONS);
registerEnumType(OpinionEnum, {
  name: 'Opinion',
  description: "The service auditor's opinion. A clean (unqualified) opinion can still list exceptions.",
  valuesConfig: {
    UNQUALIFIED: { description: 'Clean opinion.' },
    QUALIFIED: { description: 'Clean except for the matters described.' },
    ADVERSE: { description: 'Controls were not suitably designed or did not operate effectively.' },
    DISCLAIMER: { description: 'The auditor could not form an opinion.' },
  },
});

export const TrustServiceCriterionEnum = enumOf(TRUST_SERVICE_CRITERIA);
registerEnumType(TrustServiceCriterionEnum, {
  name: 'TrustServiceCriterion',
  description: 'AICPA Trust Services Criteria category in a SOC 2 or SOC 3 scope.',
  valuesConfig: {
    SECURITY: { description: 'Information and systems are protected against unauthorized access, unauthorized disclosure and damage (the common criteria, always in scope for SOC 2).' },
    AVAILABILITY: { description: "Information and systems are available for operation and use to meet the entity's objectives." },
    PROCESSING_INTEGRITY: { description: "System processing is complete, valid, accurate, timely and authorized to meet the entity's objectives." },
    CONFIDENTIALITY: { description: "Information designated as confidential is protected to meet the entity's objectives." },
    PRIVACY: { description: "Personal information is collected, used, retained, disclosed and disposed of to meet the entity's objectives." },
  } satisfies Record<TrustServiceCriterion, { description: string }>,
});

export const AttestationStatusEnum = enumOf(ATTESTATION_STATUSES);
registerEnumType(AttestationStatusEnum, {
  name: 'AttestationStatus',
  description: 'Lifecycle: DRAFT -> PUBLISHED -> SUPERSEDED | WITHDRAWN.',
  valuesConfig: {
    DRAFT: { description: 'Visible to the vendor only.' },
    PUBLISHED: { description: 'Public facts visible on the published trust center.' },
    SUPERSEDED: { description: 'Replaced by a newer report of the same framework and type; kept in history.' },
    WITHDRAWN: { description: 'Taken down by the vendor; kept in history.' },
  },
});

export const SubserviceMethodEnum = enumOf(SUBSERVICE_METHODS);
registerEnumType(SubserviceMethodEnum, {
  name: 'SubserviceMethod',
  description: "How a subservice organization's controls are treated in the report.",
  valuesConfig: {
    INCLUSIVE: { description: "The subservice organization's controls are included in the examination." },
    CARVE_OUT: { description: 'Excluded: the user entity relies on the subservice organization\'s own assurance.' },
  },
});

export const TrustCenterStatusEnum = { DRAFT: 'DRAFT', PUBLISHED: 'PUBLISHED' } as const;
registerEnumType(TrustCenterStatusEnum, {
  name: 'TrustCenterStatus',
  description: 'Whether the trust center is visible to the public.',
  valuesConfig: { DRAFT: { description: 'Members only.' }, PUBLISHED: { description: 'Anyone can read it by slug.' } },
});

export const AgeAnchorEnum = { PERIOD_END: 'PERIOD_END', ISSUE_DATE: 'ISSUE_DATE' } as const;
registerEnumType(AgeAnchorEnum, {
  name: 'AgeAnchor',
  description: "The date a report's age is counted from.",
  valuesConfig: {
    PERIOD_END: { description: 'The end of the period (Type II) or the as-of date (Type I): the convention.' },
    ISSUE_DATE: { description: 'The date the auditor issued the report.' },
  },
});

export const FreshnessStateEnum = { CURRENT: 'CURRENT', EXPIRING_SOON: 'EXPIRING_SOON', STALE: 'STALE', NONE: 'NONE' } as const;
registerEnumType(FreshnessStateEnum, {
  name: 'FreshnessState',
  description: 'How fresh a report is at the evaluation date.',
  valuesConfig: {
    CURRENT: { description: 'Younger than the maximum age and outside the expiring-soon window.' },
    EXPIRING_SOON: { description: 'Within the expiring-soon window before `expiresOn` (inclusive).' },
    STALE: { description: 'Past `expiresOn`.' },
    NONE: { description: 'Nothing to evaluate (no report, or not yet issued at that date).' },
  },
});

export const DocumentKindEnum = enumOf(DOCUMENT_KINDS);
registerEnumType(DocumentKindEnum, {
  name: 'DocumentKind',
  description: 'What a document is.',
  valuesConfig: {
    SOC_REPORT: { description: 'A SOC 1, SOC 2 or SOC 3 report from the service auditor (RESTRICTED unless a visibility is given; only a SOC 3 may be PUBLIC).' },
    BRIDGE_LETTER: { description: "A bridge letter: management's statement about the months since the last report's period end (RESTRICTED unless a visibility is given)." },
    PEN_TEST: { description: 'A penetration test report or its summary (RESTRICTED unless a visibility is given).' },
    POLICY: { description: 'A security, privacy or other policy (PUBLIC unless a visibility is given).' },
    CERTIFICATE: { description: 'A certificate or attestation of compliance, such as ISO/IEC 27001 or a PCI DSS AOC (PUBLIC unless a visibility is given).' },
    INSURANCE: { description: 'Proof of insurance, such as a cyber liability certificate of insurance (PUBLIC unless a visibility is given).' },
    QUESTIONNAIRE: { description: 'A completed security questionnaire, such as a CAIQ or SIG (PUBLIC unless a visibility is given).' },
    OTHER: { description: 'Any other document (PUBLIC unless a visibility is given).' },
  } satisfies Record<DocumentKind, { description: string }>,
});

export const VisibilityEnum = enumOf(VISIBILITIES);
registerEnumType(VisibilityEnum, {
  name: 'Visibility',
  description: 'Who may see and download a document.',
  valuesConfig: {
    PUBLIC: { description: 'Anyone, from the published trust center.' },
    RESTRICTED: { description: 'Title public; the file only for customers with a live grant (and the NDA where required), watermarked.' },
    PRIVATE: { description: "The vendor's members only." },
  },
});

export const AccessStateEnum = enumOf(ACCESS_STATES);
registerEnumType(AccessStateEnum, {
  name: 'AccessState',
  description: 'REQUESTED -> APPROVED | DENIED; APPROVED -> REVOKED | EXPIRED.',
  valuesConfig: {
    REQUESTED: { description: 'Waiting for the vendor.' },
    APPROVED: { description: 'Granted until `grantExpiresAt`.' },
    DENIED: { description: 'Refused by the vendor or by its policy.' },
    REVOKED: { description: 'Granted, then ended by the vendor.' },
    EXPIRED: { description: 'Granted, and the grant ran out.' },
  },
});

export const NdaAcceptanceScopeEnum = { USER: 'USER', ORGANIZATION: 'ORGANIZATION' } as const;
registerEnumType(NdaAcceptanceScopeEnum, {
  name: 'NdaAcceptanceScope',
  description: 'Whom one NDA acceptance covers.',
  valuesConfig: { USER: { description: 'The signer only.' }, ORGANIZATION: { description: "The signer's whole organization." } },
});

export const GrantScopeEnum = { DOCUMENT: 'DOCUMENT', TRUST_CENTER: 'TRUST_CENTER' } as const;
registerEnumType(GrantScopeEnum, {
  name: 'GrantScope',
  description: 'What an approval grants.',
  valuesConfig: {
    DOCUMENT: { description: 'The documents asked for.' },
    TRUST_CENTER: { description: 'Every restricted document of the trust center, including later ones.' },
  },
});

export const VendorStatusEnum = enumOf(VENDOR_STATUSES);
registerEnumType(VendorStatusEnum, {
  name: 'VendorStatus',
  description: "A watched vendor's standing against the customer's requirement policy.",
  valuesConfig: {
    COMPLIANT: { description: 'Acceptable, fresh evidence with nothing to review.' },
    EXPIRING_SOON: { description: 'Acceptable evidence that goes stale within the policy window.' },
    NEEDS_REVIEW: { description: 'Fresh, but the opinion is qualified or the report lists exceptions (as the policy asks).' },
    NON_COMPLIANT: { description: 'No acceptable evidence, stale evidence, an adverse opinion / disclaimer, or a report your reviewer rejected.' },
    UNKNOWN: { description: 'Nothing is known: no published trust center, or nothing recorded yet.' },
  },
});

export const StatusReasonCodeEnum = enumOf(STATUS_REASONS);
registerEnumType(StatusReasonCodeEnum, {
  name: 'StatusReasonCode',
  description: 'Why a vendor has its status.',
  valuesConfig: {
    NO_DATA: { description: 'No data about the vendor.' },
    MISSING_FRAMEWORK: { description: 'None of the accepted frameworks is on file.' },
    STALE_REPORT: { description: 'The newest acceptable report is past the maximum age.' },
    BRIDGE_LETTER_EXPIRED: { description: 'Bridge letters extended the report (bridgeLettersCount), and that coverage too is past the maximum age.' },
    UNCOVERED_TOO_LONG: { description: 'More days have passed since the newest report\'s coverage (its period end, extended by chained bridge letters) than the policy\'s maxUncoveredDays accepts: ask the vendor for a bridge letter or a newer report.' },
    EXPIRING_SOON: { description: 'The report goes stale within the window.' },
    QUALIFIED_OPINION: { description: "The auditor's opinion is qualified." },
    ADVERSE_OPINION: { description: "The auditor's opinion is adverse, or a disclaimer." },
    EXCEPTIONS: { description: 'The report lists exceptions.' },
    ACCESS_NOT_GRANTED: { description: 'Informational: your organization holds no grant for the restricted report yet.' },
    TYPE_II_IN_PROGRESS: {
      description:
        "Informational: no acceptable evidence is fresh, but your policy's acceptTypeIInProgressDays lets a fresh SOC 2 Type I (basedOn) stand in while the vendor's SOC 2 Type II is in progress, until that many days past its expected report date (the message names both dates).",
    },
    REVIEW_ACCEPTED: { description: 'Informational: your reviewer accepted the report the status is based on; what needed review (QUALIFIED_OPINION, EXCEPTIONS, still listed) no longer makes it NEEDS_REVIEW.' },
    REVIEW_ACCEPTED_WITH_CONDITIONS: { description: 'Informational: like REVIEW_ACCEPTED, with conditions (the message carries the reviewer\'s note).' },
    REVIEW_REJECTED: { description: 'Your reviewer rejected the report the status is based on: NON_COMPLIANT until the vendor has a newer report (or a later review accepts this one).' },
  },
});

export const ApiKeyScopeEnum = enumOf(API_KEY_SCOPES);
registerEnumType(ApiKeyScopeEnum, {
  name: 'ApiKeyScope',
  description: 'What an API key may do for its organization (it can never manage keys, nor sign NDAs or request access as a person).',
  valuesConfig: {
    READ: { description: 'Read the organization: attestations, documents, access requests, analytics, tracking, notifications, audit log.' },
    PUBLISH: { description: 'Edit and publish the trust center, attestations and documents.' },
    MANAGE_ACCESS: { description: 'Decide access requests, set the access policy, manage NDAs.' },
    TRACKING: { description: 'Manage the watchlist and requirement policies; read vendor statuses.' },
    WEBHOOKS: { description: 'Manage webhook endpoints.' },
  },
});
