import { seedDemo } from "../../src/db/seed";
import { startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

test("the demo data has open tenders with lots near demo cooperatives, a direct order, a shortlist and two years of outcomes", async () => {
  await seedDemo(server.orm.em.fork(), { cooperatives: 24 });
  const q = <T>(sql: string) => server.orm.em.getConnection().execute<T[]>(sql);
  const [open] = await q<{ n: string }>(`SELECT count(*) AS n FROM tenders t WHERE status = 'OPEN' AND submission_deadline > now()
      AND EXISTS (SELECT 1 FROM lots l WHERE l.tender_id = t.id)
      AND EXISTS (SELECT 1 FROM cooperatives c WHERE c.commune_code = t.commune_code)`);
  expect(Number(open?.n)).toBeGreaterThanOrEqual(10);
  const [orders] = await q<{ n: string }>("SELECT count(*) AS n FROM tenders WHERE kind = 'DIRECT_ORDER' AND status = 'OPEN' AND client_id IS NOT NULL");
  expect(Number(orders?.n)).toBe(1);
  const [shortlist] = await q<{ n: string }>("SELECT count(*) AS n FROM shortlist_entries");
  expect(Number(shortlist?.n)).toBe(2);
  const [won] = await q<{ n: string; amount: string; commission: string }>(
    "SELECT count(*) AS n, sum(awarded_amount) AS amount, sum(commission) AS commission FROM outcomes WHERE result = 'WON' AND awarded_at > now() - interval '24 months'",
  );
  expect(Number(won?.n)).toBeGreaterThan(10);
  expect(Number(won?.commission)).toBe(Math.round(Number(won?.commission)));
  const [share] = await q<{ orders: string; total: string }>(`SELECT sum(o.awarded_amount) FILTER (WHERE t.kind = 'DIRECT_ORDER') AS orders, sum(o.awarded_amount) AS total
      FROM outcomes o JOIN tenders t ON t.id = o.tender_id WHERE o.result = 'WON'`);
  expect(Number(share?.orders) / Number(share?.total)).toBeGreaterThan(0.4);
}, 60_000);
