package postgis

import (
	"context"
	"strconv"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb/maptile"
)

// EventTile renders tile z/x/y with ST_AsMVT (see geo.EventTiler): from
// pointZoom on the events themselves when at most maxPoints lie in the
// tile, otherwise the clusters at geo.CellLevelForZoom(z) over the tile's
// box, so counts add up over tiles as in the server's own tiles.
func (s *Store) EventTile(ctx context.Context, f geo.EventFilter, z, x, y uint32, layer string, pointZoom, maxPoints int) ([]byte, error) {
	b := maptile.New(x, y, maptile.Zoom(z)).Bound()
	f.BBox = &geo.BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}
	var mvt []byte
	if int(z) >= pointZoom {
		w, err := compile(f)
		if err != nil {
			return nil, err
		}
		cond := w.sql()
		var n int
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM geonews_events WHERE "+cond+" LIMIT "+strconv.Itoa(maxPoints+1)+") s", w.args...).Scan(&n); err != nil {
			return nil, dbError(err)
		}
		if n <= maxPoints {
			tz, tx, ty, tl := w.arg(int32(z)), w.arg(int32(x)), w.arg(int32(y)), w.arg(layer)
			err := s.pool.QueryRow(ctx, `SELECT coalesce(ST_AsMVT(t, `+tl+`), '') FROM (
				SELECT ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(`+tz+`, `+tx+`, `+ty+`)) AS geom,
					1 AS count, id, title, array_to_string(tags, ',') AS top_tags,
					to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS time
				FROM geonews_events WHERE `+cond+`) t`, w.args...).Scan(&mvt)
			return mvt, dbError(err)
		}
	}
	clusters, _, err := s.Clusters(ctx, f, geo.CellLevelForZoom(int(z)))
	if err != nil {
		return nil, err
	}
	lons, lats := make([]float64, len(clusters)), make([]float64, len(clusters))
	counts, ids := make([]int32, len(clusters)), make([]string, len(clusters))
	for i, c := range clusters {
		lons[i], lats[i], counts[i], ids[i] = c.Point[0], c.Point[1], int32(c.Count), c.ID
	}
	err = s.pool.QueryRow(ctx, `SELECT coalesce(ST_AsMVT(t, $1), '') FROM (
		SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 3857), ST_TileEnvelope($2, $3, $4)) AS geom,
			count, '' AS top_tags, nullif(id, '') AS id
		FROM unnest($5::float8[], $6::float8[], $7::int[], $8::text[]) AS u(lon, lat, count, id)) t`,
		layer, int32(z), int32(x), int32(y), lons, lats, counts, ids).Scan(&mvt)
	return mvt, dbError(err)
}
