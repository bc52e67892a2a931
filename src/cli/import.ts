import "reflect-metadata";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import cliProgress from "cli-progress";
import { AppError } from "../common/errors";
import { createLogger } from "../common/logger";
import { loadConfig } from "../config";
import { openDatabase } from "../db/database";
import { startEmbeddedPostgres } from "../db/embedded";
import { NoticeError, parseNotice } from "../tenders/eforms/eforms.parser";
import { importNotice } from "../tenders/import.service";
import { alertDepsOf } from "../alerts/alert.match";
import { Mailer } from "../mail/mailer";
import { PgBus } from "../realtime/bus";
import { ImportStatus } from "../tenders/tender.enums";

/**
 * `npm run import -- <files or folders>`: imports eForms notices into the configured database
 * (DATABASE_URL, else the embedded one), in the order they were issued, so that a change or
 * award notice comes after the notice it follows. Exit code 0 when every notice imported,
 * 1 when some were rejected, 2 on a usage error.
 */

interface Job {
  file: string;
  xml: string;
  issued: number;
}

function collect(args: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  for (const arg of args) {
    const full = path.resolve(arg);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      missing.push(arg);
      continue;
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(full).sort()) if (name.toLowerCase().endsWith(".xml")) files.push(path.join(full, name));
    } else {
      files.push(full);
    }
  }
  return { files: [...new Set(files)], missing };
}

/** When the notice was issued, for ordering; unparseable notices go last (they will be rejected). */
function issuedAt(xml: string): number {
  try {
    return parseNotice(xml).issueDate?.getTime() ?? Number.MAX_SAFE_INTEGER;
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof AppError || error instanceof NoticeError) return error.message;
  return error instanceof Error ? `unexpected error: ${error.message}` : String(error);
}

async function run(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  if (args.length === 0) {
    console.error("usage: npm run import -- <notice.xml | folder> [...]");
    return 2;
  }
  const { files, missing } = collect(args);
  for (const m of missing) console.error(`not found: ${m}`);
  if (files.length === 0) {
    console.error("no .xml notice to import");
    return 2;
  }
  const jobs: Job[] = files.map((file) => {
    const xml = readFileSync(file, "utf8");
    return { file, xml, issued: issuedAt(xml) };
  });
  jobs.sort((a, b) => a.issued - b.issued || a.file.localeCompare(b.file));

  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? "warn");
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, database: "scopgraph", log });
  const url = config.databaseUrl ?? (embedded?.url as string);
  const orm = await openDatabase(url, log);
  // Saved searches that e-mail write to the outbox; a running server's sender delivers them.
  const bus = await PgBus.start(url, log);
  const alerts = alertDepsOf({ mailer: new Mailer(orm, bus, log, config.mail, false), config });
  const counts: Record<ImportStatus, number> = { CREATED: 0, UPDATED: 0, UNCHANGED: 0 };
  const rejected: { file: string; reason: string }[] = [];
  const tty = process.stdout.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar({ format: "importing [{bar}] {value}/{total} {file}", hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(jobs.length, 0, { file: "" });
  try {
    for (const job of jobs) {
      const name = path.relative(process.cwd(), job.file);
      try {
        const result = await importNotice(orm.em.fork(), job.xml, { commissionRate: config.commissionRate, alerts });
        counts[result.status]++;
        if (!tty) console.log(`${result.status.padEnd(9)} ${name}: ${result.tender.title.slice(0, 80)}`);
      } catch (error) {
        const reason = reasonOf(error);
        rejected.push({ file: name, reason });
        if (!tty) console.log(`REJECTED  ${name}: ${reason}`);
      }
      bar?.increment(1, { file: name });
    }
  } finally {
    bar?.stop();
    await bus.stop();
    await orm.close();
    await embedded?.stop();
  }
  console.log(`\n${jobs.length} notices: ${counts.CREATED} created, ${counts.UPDATED} updated, ${counts.UNCHANGED} unchanged, ${rejected.length} rejected`);
  for (const r of rejected) console.log(`  rejected ${r.file}: ${r.reason}`);
  return rejected.length > 0 ? 1 : 0;
}

run()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
