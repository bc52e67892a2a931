import { PAGE_SIZE } from "./queries";

/**
 * The ceiling's one statement: the whole response body, in Scopgraph's JSON shape, built by
 * PostgreSQL — the page of cooperatives by (name, id) and, for each, its skills by (level desc,
 * code) with their label.
 */
export const CEILING_SQL = `
SELECT '{"data":{"cooperatives":{"edges":'
       || coalesce(json_agg(json_build_object('node', json_build_object('name', c.name, 'city', c.city, 'skills', s.skills))
                            ORDER BY c.name, c.id), '[]')::text
       || '}}}' AS body
FROM (SELECT id, name, city FROM cooperatives ORDER BY name, id LIMIT ${PAGE_SIZE}) c
CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(json_build_object('code', k.cpv, 'label', l.label, 'level', k.level)
                           ORDER BY k.level DESC, k.cpv), '[]') AS skills
  FROM cooperative_skills k
  LEFT JOIN cpv_labels l ON l.code = k.cpv
  WHERE k.cooperative_id = c.id
) s`;
