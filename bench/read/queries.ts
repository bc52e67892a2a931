/**
 * The query of the read benchmark — a page of 50 cooperatives, by name, with name, city and
 * skills (code, label, level), strongest skill first — in each server's own schema, and a
 * common shape to compare their answers.
 */
export const PAGE_SIZE = 50;

export const SCOPGRAPH_QUERY = `query ReadPage {
  cooperatives(first: ${PAGE_SIZE}, orderBy: NAME) {
    edges { node { name city skills { code label level } } }
  }
}`;

/**
 * PostGraphile's generated schema: `allCooperatives` ordered like Scopgraph (name, then id), the
 * skills through the cooperative_skills → cooperatives foreign key, ordered like Scopgraph's
 * loader (level desc, code), and the label through the bench-only foreign key to cpv_labels.
 */
export const POSTGRAPHILE_QUERY = `query ReadPage {
  allCooperatives(first: ${PAGE_SIZE}, orderBy: [NAME_ASC, ID_ASC]) {
    edges {
      node {
        name
        city
        cooperativeSkillsByCooperativeId(orderBy: [LEVEL_DESC, CPV_ASC]) {
          nodes { cpv level cpvLabelByCpv { label } }
        }
      }
    }
  }
}`;

export interface PageSkill {
  code: string;
  label: string | null;
  level: number;
}

export interface PageCooperative {
  name: string;
  city: string | null;
  skills: PageSkill[];
}

type Shape = "scopgraph" | "postgraphile";

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${where}: expected an object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list`);
  return value;
}

function string(value: unknown, where: string): string {
  if (typeof value !== "string") throw new Error(`${where}: expected a string`);
  return value;
}

function nullableString(value: unknown, where: string): string | null {
  return value === null ? null : string(value, where);
}

function integer(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`${where}: expected an integer`);
  return value;
}

/**
 * Reads a response body into the common shape; throws on GraphQL errors, a missing field or a
 * page of another size. Scopgraph and the ceiling answer in Scopgraph's shape.
 */
export function readPage(body: string, shape: Shape): PageCooperative[] {
  const parsed = object(JSON.parse(body) as unknown, "response");
  if (parsed.errors !== undefined) throw new Error(`GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
  const data = object(parsed.data, "data");
  const connection = object(shape === "scopgraph" ? data.cooperatives : data.allCooperatives, "data.cooperatives");
  const edges = array(connection.edges, "edges");
  if (edges.length !== PAGE_SIZE) throw new Error(`expected ${PAGE_SIZE} edges, got ${edges.length}`);
  return edges.map((edge, i) => {
    const node = object(object(edge, `edges[${i}]`).node, `edges[${i}].node`);
    const where = `edges[${i}].node`;
    const rawSkills =
      shape === "scopgraph"
        ? array(node.skills, `${where}.skills`)
        : array(object(node.cooperativeSkillsByCooperativeId, `${where}.cooperativeSkillsByCooperativeId`).nodes, `${where}.skills`);
    const skills = rawSkills.map((raw, j): PageSkill => {
      const skill = object(raw, `${where}.skills[${j}]`);
      if (shape === "scopgraph") {
        return {
          code: string(skill.code, `${where}.skills[${j}].code`),
          label: nullableString(skill.label, `${where}.skills[${j}].label`),
          level: integer(skill.level, `${where}.skills[${j}].level`),
        };
      }
      const label = skill.cpvLabelByCpv === null ? null : object(skill.cpvLabelByCpv, `${where}.skills[${j}].cpvLabelByCpv`).label;
      return {
        code: string(skill.cpv, `${where}.skills[${j}].cpv`),
        label: label === null || label === undefined ? null : string(label, `${where}.skills[${j}].label`),
        level: integer(skill.level, `${where}.skills[${j}].level`),
      };
    });
    return { name: string(node.name, `${where}.name`), city: nullableString(node.city, `${where}.city`), skills };
  });
}
