import { Migration } from "@mikro-orm/migrations";

/**
 * Matching at national scale (bench/matching): nearest-first candidate search through a GiST
 * index on the cooperatives' location, and index-only reads of skills by cooperative.
 */
export class Migration20261126072500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "cooperatives_location_gist" on "cooperatives" using gist (point("longitude", "latitude"));`);
    this.addSql(`create index "cooperative_skills_cooperative_cpv_level_index" on "cooperative_skills" ("cooperative_id", "cpv") include ("level");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "cooperative_skills_cooperative_cpv_level_index";`);
    this.addSql(`drop index "cooperatives_location_gist";`);
  }
}
