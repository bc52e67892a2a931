import type { EntityManager } from "@mikro-orm/postgresql";
import { BadInputError, ConflictError } from "../common/errors";
import * as v from "../common/validate";
import { Cooperative } from "./cooperative.entity";
import { LegalForm } from "./cooperative.enums";
import { normalizeSiret, siretProblem } from "./siret";

/* The checks of a cooperative's own fields, shared by its use cases and the client organisations. */

export function siret(field: string, value: string): string {
  const normalized = normalizeSiret(String(value));
  const problem = siretProblem(normalized);
  if (problem) throw new BadInputError(field, `is not a valid SIRET: ${problem}`);
  return normalized;
}

export function nafCode(field: string, value: string | null | undefined): string | null {
  const code = v.optionalText(field, value, { max: 6 });
  if (code === null) return null;
  const normalized = code.toUpperCase();
  if (!/^\d{2}\.\d{2}[A-Z]$/.test(normalized)) throw new BadInputError(field, "must look like 73.11Z");
  return normalized;
}

export function legalForm(field: string, value: LegalForm): LegalForm {
  if (!Object.values(LegalForm).includes(value)) throw new BadInputError(field, "is not a legal form");
  return value;
}

export async function assertSiretFree(em: EntityManager, value: string, exceptId?: string): Promise<void> {
  const other = await em.findOne(Cooperative, { siret: value }, { fields: ["id"] });
  if (other && other.id !== exceptId) throw new ConflictError("A cooperative with this SIRET is already registered.");
}
