import "reflect-metadata";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { printSdl } from "../schema";

/** `npm run schema`: writes schema/schema.graphql from the code. */
async function run(): Promise<void> {
  const file = path.resolve(process.cwd(), "schema/schema.graphql");
  writeFileSync(file, await printSdl());
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

void run();
