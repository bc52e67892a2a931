import { Migration } from '@mikro-orm/migrations';
import { findCommune, lookupCommune, type Commune } from '../src/common/reference/reference';

interface PlaceRow {
  id: string;
  commune_code: string | null;
  city: string | null;
  postcode: string | null;
  latitude: number | null;
  longitude: number | null;
}

/**
 * Points for the cooperatives and tenders placed in a commune that the reference data did not
 * hold before (it held the 3,649 communes of 3,000 inhabitants; it now holds every commune, see
 * src/common/reference/README.md), and the precision of every cooperative's point. Rows without
 * a commune, or with coordinates of their own, keep them. Reads the reference data as it is when
 * the migration runs; `down` changes nothing back (the points stay right).
 */
export class Migration20261206074100 extends Migration {
  override async up(): Promise<void> {
    const knex = this.getKnex();
    const place = (row: PlaceRow): Commune | undefined => {
      if (row.commune_code) return findCommune({ insee: row.commune_code });
      if (!row.city) return undefined;
      const found = lookupCommune(row.city, row.postcode);
      return found.kind === 'FOUND' ? found.commune : undefined;
    };
    const cooperatives = (await this.execute(`select id, commune_code, city, postcode, latitude, longitude from cooperatives`)) as unknown as PlaceRow[];
    for (const row of cooperatives) {
      const commune = place(row);
      if (row.latitude === null && commune) {
        this.addSql(knex.raw(
          `update cooperatives set commune_code = ?, city = ?, department_code = coalesce(department_code, ?), latitude = ?, longitude = ?, location_precision = ? where id = ?`,
          [commune.insee, commune.name, commune.dept, commune.lat, commune.lon, commune.precision, row.id],
        ));
      } else if (row.latitude !== null) {
        const own = commune !== undefined && row.longitude === commune.lon && row.latitude === commune.lat;
        this.addSql(knex.raw(`update cooperatives set location_precision = ? where id = ?`, [own ? commune.precision : 'GIVEN', row.id]));
      }
    }
    const tenders = (await this.execute(`select id, commune_code, city, null as postcode, latitude, longitude from tenders where latitude is null and commune_code is not null`)) as unknown as PlaceRow[];
    for (const row of tenders) {
      const commune = place(row);
      if (!commune) continue;
      this.addSql(knex.raw(`update tenders set latitude = ?, longitude = ?, department_code = coalesce(department_code, ?) where id = ?`, [commune.lat, commune.lon, commune.dept, row.id]));
    }
  }

  override async down(): Promise<void> {
    // The points filled in are right under either version of the reference data: nothing to undo.
  }
}
