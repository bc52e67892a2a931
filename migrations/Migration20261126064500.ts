import { Migration } from "@mikro-orm/migrations";

/** Each cooperative's threshold for live opportunities (matching). */
export class Migration20261126064500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "cooperatives" add column "opportunity_threshold" double precision not null default 0.5;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "cooperatives" drop column "opportunity_threshold";`);
  }
}
