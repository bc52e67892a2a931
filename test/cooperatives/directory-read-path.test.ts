import { parse } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { PlatformRole } from "../../src/auth/roles";
import { createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/*
 * The directory's read path (bench/read): a page reads only the columns its fields need, its
 * skills in the same statement, and runs compiled. Whatever the selection, the answer is the one
 * the full read gives.
 */

interface Skill {
  id?: string;
  code: string;
  label: string | null;
  level: number;
  createdAt?: string;
  updatedAt?: string;
}
interface Node {
  id?: string;
  name: string;
  city: string | null;
  skills: Skill[];
}
interface Page {
  cooperatives: { edges: { node: Node }[]; pageInfo?: { endCursor: string | null; hasNextPage: boolean } };
}

const doc = (text: string): TypedDocumentNode<Page, Record<string, unknown>> => parse(text);
const typed = <T, V>(text: string): TypedDocumentNode<T, V> => parse(text);

let server: TestServer;
let reader: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  reader = await createUser(server, PlatformRole.MEMBER);
  const em = server.orm.em.fork();
  await insertCooperative(em, {
    name: "Alpha Imprimerie",
    city: "Rouen",
    lat: 49.443,
    lon: 1.099,
    skills: [
      ["79810000", 5],
      ["22462000", 4],
      ["79341000", 4],
    ],
    description: "Impression",
  });
  await insertCooperative(em, { name: "Beta Studio", city: "Le Havre", lat: 49.494, lon: 0.108, skills: [["72413000", 5]] });
  await insertCooperative(em, {
    name: "Gamma Films",
    city: "Caen",
    lat: 49.182,
    lon: -0.37,
    skills: [
      ["92111000", 4],
      ["99999999", 1],
    ],
  });
  await insertCooperative(em, { name: "Delta sans compétence", city: null, lat: 49.3, lon: 0.5 });
});
afterAll(async () => {
  await server.close();
});

async function page(text: string, variables: Record<string, unknown> = {}): Promise<Page["cooperatives"]> {
  const result = await server.gql(doc(text), variables, reader.token);
  expect(result.errors).toBeUndefined();
  return result.data!.cooperatives;
}

const strip = (nodes: Node[]) =>
  nodes.map((n) => ({ name: n.name, city: n.city, skills: n.skills.map((s) => ({ code: s.code, label: s.label, level: s.level })) }));

test("a page of a few fields answers what the page read with every column answers", async () => {
  const small = await page(`{ cooperatives(first: 10) { edges { node { name city skills { code label level } } } } }`);
  // viewerCanEdit has its own resolver: every column is read, and the skills by their loader's order.
  const full = await page(`query Full { cooperatives(first: 10) { edges { node { ...Everything } } } }
    fragment Everything on Cooperative { id name city description siret legalForm viewerCanEdit skills { id code label level createdAt updatedAt } }`);
  expect(strip(small.edges.map((e) => e.node))).toEqual(strip(full.edges.map((e) => e.node)));
  expect(small.edges.map((e) => e.node.name)).toEqual(["Alpha Imprimerie", "Beta Studio", "Delta sans compétence", "Gamma Films"]);
  expect(small.edges[0]!.node.skills.map((s) => s.code)).toEqual(["79810000", "22462000", "79341000"]);
  expect(small.edges[2]!.node.skills).toEqual([]);
});

test("skills read with the page carry the same ids and times as the cooperative's own", async () => {
  const withTimes = await page(`{ cooperatives(first: 10) { edges { node { id skills { id code createdAt updatedAt } } } } }`);
  for (const { node } of withTimes.edges) {
    const own = await server.gql(
      typed<{ cooperative: { skills: Skill[] } }, { id: string }>(`query One($id: ID!) { cooperative(id: $id) { skills { id code createdAt updatedAt } } }`),
      { id: node.id! },
      reader.token,
    );
    expect(own.errors).toBeUndefined();
    expect(node.skills).toEqual(own.data!.cooperative.skills);
    for (const skill of node.skills) expect(skill.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  }
});

test("a DISTANCE page with its skills walks on by cursor (bound values, prepared statements)", async () => {
  const query = `query Near($after: String) {
    cooperatives(first: 2, after: $after, orderBy: DISTANCE, filter: { near: { latitude: 49.44, longitude: 1.1, radiusKm: 300 } }) {
      pageInfo { endCursor hasNextPage } edges { node { name skills { code } } }
    }
  }`;
  const first = await page(query);
  expect(first.edges.map((e) => e.node.name)).toEqual(["Alpha Imprimerie", "Delta sans compétence"]);
  expect(first.pageInfo?.hasNextPage).toBe(true);
  const second = await page(query, { after: first.pageInfo!.endCursor });
  expect(second.edges.map((e) => e.node.name)).toEqual(["Beta Studio", "Gamma Films"]);
  expect(second.edges[1]!.node.skills.map((s) => s.code)).toEqual(["92111000", "99999999"]);
});

test("the page and its skills are read in one statement", async () => {
  const before = server.queries.length;
  await page(`{ cooperatives(first: 10) { edges { node { name skills { code level } } } } }`);
  const statements = server.queries.slice(before).filter((q) => /cooperative_skills/i.test(q));
  expect(statements).toHaveLength(1);
  expect(statements[0]).toMatch(/from cooperatives c/i);
});
