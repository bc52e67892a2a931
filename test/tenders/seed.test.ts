import { isValidSiret } from "../../src/cooperatives/siret";
import { seedDemo } from "../../src/db/seed";
import { startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

test("the demo data has open tenders with lots near demo cooperatives, client organisations with orders in each state, a shortlist and two years of outcomes", async () => {
  await seedDemo(server.orm.em.fork(), { cooperatives: 24 });
  const q = <T>(sql: string) => server.orm.em.getConnection().execute<T[]>(sql);
  const [open] = await q<{ n: string }>(`SELECT count(*) AS n FROM tenders t WHERE status = 'OPEN' AND submission_deadline > now()
      AND EXISTS (SELECT 1 FROM lots l WHERE l.tender_id = t.id)
      AND EXISTS (SELECT 1 FROM cooperatives c WHERE c.commune_code = t.commune_code)`);
  expect(Number(open?.n)).toBeGreaterThanOrEqual(10);
  // The demo client's organisation has an order in each state a client meets (src/clients/client.seed.ts).
  const orders = await q<{ state: string }>(`SELECT t.status || ':' || coalesce(b.status::text, '-') || ':' || coalesce(a.kind::text, '-') AS state
      FROM tenders t JOIN users u ON u.client_organisation_id = t.client_organisation_id AND u.email = 'client@demo.scopgraph.coop'
      LEFT JOIN bids b ON b.tender_id = t.id LEFT JOIN offer_answers a ON a.bid_id = b.id ORDER BY 1`);
  expect(orders.map((o) => o.state)).toEqual([
    "AWARDED:WON:ACCEPTED",
    "CANCELLED:-:-",
    "OPEN:-:-",
    "OPEN:-:-",
    "OPEN:DRAFT:REVISION_REQUESTED",
    "OPEN:LOST:DECLINED",
    "OPEN:SUBMITTED:-",
  ]);
  const sirets = await q<{ siret: string }>("SELECT siret FROM client_organisations");
  expect(sirets).toHaveLength(2);
  expect(sirets.filter((o) => isValidSiret(o.siret))).toHaveLength(2);
  const [shortlist] = await q<{ n: string }>("SELECT count(*) AS n FROM shortlist_entries");
  expect(Number(shortlist?.n)).toBe(2);
  const [won] = await q<{ n: string; amount: string; commission: string }>(
    "SELECT count(*) AS n, sum(awarded_amount) AS amount, sum(commission) AS commission FROM outcomes WHERE result = 'WON' AND awarded_at > now() - interval '24 months'",
  );
  expect(Number(won?.n)).toBeGreaterThan(10);
  expect(Number(won?.commission)).toBe(Math.round(Number(won?.commission)));
  const [share] = await q<{
    orders: string;
    total: string;
  }>(`SELECT sum(o.awarded_amount) FILTER (WHERE t.kind = 'DIRECT_ORDER') AS orders, sum(o.awarded_amount) AS total
      FROM outcomes o JOIN tenders t ON t.id = o.tender_id WHERE o.result = 'WON'`);
  expect(Number(share?.orders) / Number(share?.total)).toBeGreaterThan(0.4);
}, 60_000);
