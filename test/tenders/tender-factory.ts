import type { EntityManager } from "@mikro-orm/postgresql";
import { User } from "../../src/auth/user.entity";
import { toGlobalId } from "../../src/common/node";
import { Lot, Tender } from "../../src/tenders/tender.entity";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import { cpvSummary } from "../../src/tenders/tender.cpv";

export interface TenderSeed {
  title?: string;
  kind?: TenderKind;
  status?: TenderStatus;
  clientId?: string;
  createdById?: string;
  assignedOfficerId?: string;
  cpv?: readonly string[];
  dept?: string | null;
  region?: string | null;
  value?: number | null;
  deadline?: Date | null;
  publishedAt?: Date | null;
  description?: string;
}

/** Inserts a tender straight into the database (set-up, not the code under test). */
export async function insertTender(em: EntityManager, seed: TenderSeed = {}): Promise<Tender & { gid: string }> {
  const cpv = [...(seed.cpv ?? ["79810000"])];
  const tender = em.create(Tender, {
    kind: seed.kind ?? TenderKind.PUBLIC_TENDER,
    status: seed.status ?? TenderStatus.OPEN,
    title: seed.title ?? "Impression de brochures",
    description: seed.description ?? null,
    buyerName: "Ville de Rouen",
    client: seed.clientId ? em.getReference(User, seed.clientId) : null,
    createdBy: seed.createdById ? em.getReference(User, seed.createdById) : null,
    assignedOfficer: seed.assignedOfficerId ? em.getReference(User, seed.assignedOfficerId) : null,
    departmentCode: seed.dept ?? null,
    regionCode: seed.region ?? null,
    estimatedValue: seed.value ?? null,
    submissionDeadline: seed.deadline === undefined ? new Date(Date.now() + 30 * 86400_000) : seed.deadline,
    publishedAt: seed.publishedAt ?? null,
    ...cpvSummary([cpv]),
  });
  em.create(Lot, { tender, number: 1, title: "Lot unique", cpvCodes: cpv, cpvPrefixes: cpvSummary([cpv]).cpvPrefixes });
  await em.flush();
  return Object.assign(tender, { gid: toGlobalId("Tender", tender.id) });
}
