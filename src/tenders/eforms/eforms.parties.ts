/** eForms organisations (efac:Organizations) and the buyers that refer to them. */
import type { ParsedBuyer, ParsedOrganization } from "./eforms.types";
import { allOf, attributeOf, firstOf, pathBelow, textOf, type XmlElement } from "./eforms.xml";
import { oneLine } from "./eforms.values";
import { type Context, localized, type NoticeContext, requiredText, single, streetOf } from "./eforms.read";

// ---------------------------------------------------------------------------------------------
// Organisations and buyers

export function mapOrganizations(context: Context, extension: XmlElement | null): Map<string, ParsedOrganization> {
  const organizations = new Map<string, ParsedOrganization>();
  for (const organization of allOf(extension, "efac:Organizations/efac:Organization")) {
    const company = single(context, organization, "efac:Company");
    if (company === null) {
      context.issues.add(organization.path, "organisation without efac:Company (name, address, identifier)");
      continue;
    }
    const id = requiredText(context, company, "cac:PartyIdentification/cbc:ID", "organisation without identifier (OPT-200)");
    if (id === null) continue;
    if (organizations.has(id)) {
      context.issues.add(pathBelow(company, "cac:PartyIdentification/cbc:ID"), `organisation ${id} is defined twice`);
      continue;
    }
    const address = firstOf(company, "cac:PostalAddress");
    organizations.set(id, {
      organizationId: id,
      name: localized(context, company, "cac:PartyName/cbc:Name", oneLine)?.text ?? id,
      nationalId: textOf(company, "cac:PartyLegalEntity/cbc:CompanyID"),
      street: streetOf(address),
      city: textOf(address, "cbc:CityName"),
      postcode: textOf(address, "cbc:PostalZone"),
      nuts: textOf(address, "cbc:CountrySubentityCode"),
      country: textOf(address, "cac:Country/cbc:IdentificationCode"),
      email: textOf(company, "cac:Contact/cbc:ElectronicMail"),
      url: textOf(company, "cbc:WebsiteURI"),
      size: textOf(company, "efbc:CompanySizeCode"),
    });
  }
  return organizations;
}

/** The organisation an element refers to with its `cbc:ID` child, reported when unknown. */
export function referencedOrganization(context: NoticeContext, element: XmlElement, what: string): ParsedOrganization | null {
  const reference = textOf(element, "cbc:ID");
  if (reference === null) {
    context.issues.add(pathBelow(element, "cbc:ID"), `${what} without organisation reference`);
    return null;
  }
  const organization = context.organizations.get(reference);
  if (organization === undefined) {
    context.issues.add(pathBelow(element, "cbc:ID"), `${what} refers to organisation ${reference}, which the notice does not define`);
    return null;
  }
  return organization;
}

export function mapBuyers(context: NoticeContext, root: XmlElement): ParsedBuyer[] {
  return allOf(root, "cac:ContractingParty").flatMap((party) => {
    const identification = firstOf(party, "cac:Party/cac:PartyIdentification");
    if (identification === null) {
      context.issues.add(
        pathBelow(party, "cac:Party/cac:PartyIdentification/cbc:ID"),
        "contracting party without organisation reference (OPT-300)",
      );
      return [];
    }
    const organization = referencedOrganization(context, identification, "contracting party");
    if (organization === null) return [];
    const legalType = allOf(party, "cac:ContractingPartyType/cbc:PartyTypeCode").find((code) =>
      [null, "buyer-legal-type"].includes(attributeOf(code, "listName")),
    );
    const { size: _size, ...contact } = organization;
    return [{ ...contact, legalType: textOf(legalType) }];
  });
}
