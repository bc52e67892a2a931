import { Migration } from '@mikro-orm/migrations';

/** The VAT rate of a tender, for the price schedule export of its bids (20 % unless said). */
export class Migration20261206050000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "tenders" add column "vat_rate" double precision not null default 0.2;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tenders" drop column "vat_rate";`);
  }
}
