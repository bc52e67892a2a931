import ExcelJS from "exceljs";
import type { ExportData } from "./export.data";

/** Whole cents, so that sums do not drift. */
const cents = (quantity: number, unitPriceCents: number) => Math.round(quantity * unitPriceCents);

/**
 * The price schedule (bordereau de prix): one sheet per lot, one line per price line with its
 * member, then the totals without VAT, the VAT at the tender's rate and with VAT.
 */
export async function pricesXlsx(data: ExportData): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "Scopgraph";
  const nameOf = new Map(data.members.map((m) => [m.id, m.name]));
  for (const lot of data.lots) {
    const sheet = workbook.addWorksheet(`Lot ${lot.number}`);
    sheet.columns = [
      { header: "Membre", key: "member", width: 30 },
      { header: "Désignation", key: "description", width: 50 },
      { header: "Quantité", key: "quantity", width: 12 },
      { header: "Prix unitaire HT", key: "unit", width: 18, style: { numFmt: "#,##0.00" } },
      { header: "Total HT", key: "total", width: 18, style: { numFmt: "#,##0.00" } },
    ];
    let totalCents = 0;
    // Grouped by member, in the group's order (the lead first).
    const lines = data.members.flatMap((m) => data.priceLines.filter((p) => p.lotNumber === lot.number && p.memberId === m.id));
    for (const line of lines) {
      const lineCents = cents(line.quantity, line.unitPriceCents);
      totalCents += lineCents;
      sheet.addRow({
        member: nameOf.get(line.memberId) ?? "",
        description: line.description,
        quantity: line.quantity,
        unit: line.unitPriceCents / 100,
        total: lineCents / 100,
      });
    }
    const vatCents = Math.round(totalCents * data.tender.vatRate);
    sheet.addRow({});
    sheet.addRow({ description: "Total HT", total: totalCents / 100 });
    sheet.addRow({ description: `TVA ${(data.tender.vatRate * 100).toLocaleString("fr-FR")} %`, total: vatCents / 100 });
    sheet.addRow({ description: "Total TTC", total: (totalCents + vatCents) / 100 });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
