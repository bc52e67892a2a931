import { MikroORM } from "@mikro-orm/postgresql";
import { ormConfig } from "../../src/db/mikro-orm.config";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

/*
 * The entities and the migrations describe the same place columns: a database migrated from
 * scratch needs no change to them for the entities (what `mikro-orm migration:check` asks of the
 * whole schema). The place is an embeddable shared by cooperatives, tenders and client
 * organisations (src/places/place.embeddable.ts) mapped onto the columns as they were; the SQL
 * of the directory, the matching and the alerts reads them by name.
 *
 * Only these columns: the migrations hold SQL the entities cannot say (partial indexes, checks,
 * generated columns), which MikroORM's diff always proposes to drop.
 */

const TABLES = ["cooperatives", "tenders", "client_organisations"];
const COLUMNS = ["city", "commune_code", "department_code", "region_code", "latitude", "longitude"];

let db: TestDatabase;
let orm: MikroORM;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await MikroORM.init(ormConfig(db.url, { pool: { min: 0, max: 2 } }));
});

afterAll(async () => {
  await orm?.close(true);
  await db?.drop();
});

test("the place's columns and indexes of cooperatives, tenders and client organisations are as the migrations made them", async () => {
  const pending = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: false });
  const statements = pending
    .split(/;\s*/)
    .map((s) => s.trim())
    .filter(Boolean);
  const touchesPlace = (sql: string) =>
    TABLES.some((t) => sql.includes(`"${t}"`) || sql.includes(`${t}_`)) && COLUMNS.some((c) => sql.includes(`"${c}"`) || sql.includes(`_${c}_`));
  expect(statements.filter(touchesPlace)).toEqual([]);
});

test("the entities map the place onto the same columns as before", () => {
  for (const entity of ["Cooperative", "Tender", "ClientOrganisation"]) {
    const meta = orm.getMetadata().find(entity);
    const columns = Object.values(meta?.properties ?? {})
      .filter((p) => p.embedded?.[0] === "place")
      .map((p) => p.fieldNames[0]);
    expect(columns.sort()).toEqual([...COLUMNS].sort());
  }
});
