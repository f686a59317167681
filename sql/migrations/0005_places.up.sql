-- Places: geofence rules, re-linking drives and charging processes when a
-- geofence changes, the charging cost, and indexes for the repair service.
--
-- Geofence matching everywhere uses earthdistance's sphere (earth() =
-- 6378168 m): an earth_box prefilter, then a great-circle distance
-- strictly below the radius in metres, nearest centre first (then the
-- lower id, where TeslaMate leaves equidistant fences unordered).
--
-- Whoever writes geofences (the business API, psql, tenantmate's tests)
-- gets the same behaviour, because it lives in triggers:
--   * names are trimmed, and an empty name, a radius outside 1..4999 m or
--     a negative session fee is rejected with a message naming the value
--     (SQLSTATE 23514 check_violation; the CHECK constraints below hold
--     the same rules for anything that bypasses the trigger);
--   * creating, moving, resizing or deleting a geofence re-links the
--     drives (start and end) and charging processes of the geofence's
--     tenant whose position lies in the old or the new circle to the best
--     geofence at that position, or to NULL when none contains it.
--
-- Re-linking measures from the position itself. TeslaMate 4.2.0-dev
-- measures the distance in its re-linking query from the point
-- (geofence latitude, position longitude), an east-west distance only;
-- that is a bug there, not reproduced here.

ALTER TABLE geofences
    ADD CONSTRAINT geofences_name_check CHECK (name <> ''),
    ADD CONSTRAINT geofences_radius_check CHECK (radius > 0 AND radius < 5000),
    ADD CONSTRAINT geofences_session_fee_check CHECK (session_fee >= 0);


-- The id of the tenant's geofence containing the point, nearest centre
-- first, skipping except_id (NULL: skip none). NULL when none contains it.
-- Runs with the caller's rights: under tenantmate_collector row-level
-- security also limits it to the caller's own tenant.
CREATE FUNCTION geofence_at(tenant uuid, point_latitude double precision,
                            point_longitude double precision, except_id integer DEFAULT NULL)
    RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = public, pg_temp
AS $$
    SELECT g.id
    FROM geofences g
    WHERE g.tenant_id = tenant
      AND g.id IS DISTINCT FROM except_id
      AND earth_box(ll_to_earth(g.latitude, g.longitude), g.radius)
          @> ll_to_earth(point_latitude, point_longitude)
      AND earth_distance(ll_to_earth(g.latitude, g.longitude),
                         ll_to_earth(point_latitude, point_longitude)) < g.radius
    ORDER BY earth_distance(ll_to_earth(g.latitude, g.longitude),
                            ll_to_earth(point_latitude, point_longitude)),
             g.id
    LIMIT 1
$$;


-- Sets the geofence of every drive end and charging process of tenant
-- whose position lies inside the circle (box prefilter and distance <
-- radius) to geofence_at() of that position, skipping except_id. Rows
-- whose geofence does not change are not written.
CREATE FUNCTION geofence_relink(tenant uuid, circle_latitude double precision,
                                circle_longitude double precision, circle_radius double precision,
                                except_id integer)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
DECLARE
    centre earth := ll_to_earth(circle_latitude, circle_longitude);
    box cube := earth_box(ll_to_earth(circle_latitude, circle_longitude), circle_radius);
BEGIN
    UPDATE drives d
    SET start_geofence_id = m.geofence_id
    FROM (SELECT d2.id, geofence_at(tenant, p.latitude, p.longitude, except_id) AS geofence_id
          FROM drives d2
          JOIN positions p ON p.tenant_id = d2.tenant_id AND p.id = d2.start_position_id
          WHERE d2.tenant_id = tenant
            AND box @> ll_to_earth(p.latitude, p.longitude)
            AND earth_distance(centre, ll_to_earth(p.latitude, p.longitude)) < circle_radius) m
    WHERE d.id = m.id
      AND d.start_geofence_id IS DISTINCT FROM m.geofence_id;

    UPDATE drives d
    SET end_geofence_id = m.geofence_id
    FROM (SELECT d2.id, geofence_at(tenant, p.latitude, p.longitude, except_id) AS geofence_id
          FROM drives d2
          JOIN positions p ON p.tenant_id = d2.tenant_id AND p.id = d2.end_position_id
          WHERE d2.tenant_id = tenant
            AND box @> ll_to_earth(p.latitude, p.longitude)
            AND earth_distance(centre, ll_to_earth(p.latitude, p.longitude)) < circle_radius) m
    WHERE d.id = m.id
      AND d.end_geofence_id IS DISTINCT FROM m.geofence_id;

    UPDATE charging_processes cp
    SET geofence_id = m.geofence_id
    FROM (SELECT c.id, geofence_at(tenant, p.latitude, p.longitude, except_id) AS geofence_id
          FROM charging_processes c
          JOIN positions p ON p.tenant_id = c.tenant_id AND p.id = c.position_id
          WHERE c.tenant_id = tenant
            AND box @> ll_to_earth(p.latitude, p.longitude)
            AND earth_distance(centre, ll_to_earth(p.latitude, p.longitude)) < circle_radius) m
    WHERE cp.id = m.id
      AND cp.geofence_id IS DISTINCT FROM m.geofence_id;
END
$$;

-- Internal to the triggers below.
REVOKE ALL ON FUNCTION geofence_relink(uuid, double precision, double precision,
                                       double precision, integer) FROM PUBLIC;


-- Trims the name and rejects invalid values with a message naming them.
-- Elixir's String.trim, which TeslaMate uses, also trims other Unicode
-- spaces; ASCII whitespace and the no-break space are trimmed here.
CREATE FUNCTION geofences_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
BEGIN
    -- chr(160) is the no-break space in UTF8 and LATIN1 databases alike.
    NEW.name := btrim(NEW.name, E' \t\n\r\f\x0B' || chr(160));

    IF NEW.name = '' THEN
        RAISE EXCEPTION 'invalid geofence name: it is empty or only whitespace'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'geofences_name_check',
                  HINT = 'Give the geofence a name.';
    END IF;

    IF NEW.radius <= 0 OR NEW.radius >= 5000 THEN
        RAISE EXCEPTION 'invalid geofence radius % m: it must be greater than 0 and less than 5000',
                        NEW.radius
            USING ERRCODE = 'check_violation', CONSTRAINT = 'geofences_radius_check',
                  HINT = 'Set the radius in metres, from 1 to 4999.';
    END IF;

    IF NEW.session_fee < 0 THEN
        RAISE EXCEPTION 'invalid geofence session_fee %: it must be greater than or equal to 0',
                        NEW.session_fee
            USING ERRCODE = 'check_violation', CONSTRAINT = 'geofences_session_fee_check',
                  HINT = 'Set session_fee to 0 or more, or to NULL for none.';
    END IF;

    RETURN NEW;
END
$$;

-- The re-linking triggers run with the owner's rights (SECURITY DEFINER),
-- so a geofence written by any role that may write it re-links rows the
-- role itself cannot update. geofence_relink() limits every statement to
-- the geofence's own tenant.

CREATE FUNCTION geofences_relink_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM geofence_relink(NEW.tenant_id, NEW.latitude, NEW.longitude, NEW.radius, NULL);
    RETURN NULL;
END
$$;

-- After the update the table holds the new circle, so rows of the old
-- circle fall back to overlapping geofences or to NULL, and rows of the
-- new circle pick this geofence up where it is the nearest.
CREATE FUNCTION geofences_relink_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM geofence_relink(OLD.tenant_id, OLD.latitude, OLD.longitude, OLD.radius, NULL);
    PERFORM geofence_relink(NEW.tenant_id, NEW.latitude, NEW.longitude, NEW.radius, NULL);
    RETURN NULL;
END
$$;

-- Before the row goes, rows it covers move to the best other geofence;
-- the foreign keys' ON DELETE SET NULL clears anything left.
CREATE FUNCTION geofences_relink_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM geofence_relink(OLD.tenant_id, OLD.latitude, OLD.longitude, OLD.radius, OLD.id);
    RETURN OLD;
END
$$;

CREATE TRIGGER geofences_check
    BEFORE INSERT OR UPDATE ON geofences
    FOR EACH ROW EXECUTE FUNCTION geofences_check();

CREATE TRIGGER geofences_relink_inserted
    AFTER INSERT ON geofences
    FOR EACH ROW EXECUTE FUNCTION geofences_relink_inserted();

CREATE TRIGGER geofences_relink_updated
    AFTER UPDATE OF latitude, longitude, radius, tenant_id ON geofences
    FOR EACH ROW
    WHEN (OLD.latitude IS DISTINCT FROM NEW.latitude
          OR OLD.longitude IS DISTINCT FROM NEW.longitude
          OR OLD.radius IS DISTINCT FROM NEW.radius
          OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
    EXECUTE FUNCTION geofences_relink_updated();

CREATE TRIGGER geofences_relink_deleted
    BEFORE DELETE ON geofences
    FOR EACH ROW EXECUTE FUNCTION geofences_relink_deleted();


-- The cost of a completed charging process, by TeslaMate's rules in order:
--   1. fast_charger_type starting with "Tesla" and the car's
--      free_supercharging: 0, whatever the geofence;
--   2. a per_kwh geofence: session_fee + kWh x cost_per_unit, where kWh is
--      the larger of charge_energy_added and energy_used_kwh (the
--      unrounded energy used); NULL when both energies are NULL;
--   3. a per_minute geofence with a known duration_min: session_fee +
--      duration_min x cost_per_unit;
--   4. otherwise (no geofence, per_minute without a duration) NULL.
-- In 2 and 3 a missing session_fee or cost_per_unit counts as 0, and the
-- cost is NULL when both are missing. TeslaMate crashes on a per_minute
-- geofence without cost_per_unit; here it costs the session fee alone.
-- Decimal arithmetic; the cost column rounds half away from zero.
-- $1 = the process id, $2 = energy used in kWh, $3 = the process's most
-- frequent fast_charger_type while charging.
CREATE FUNCTION charging_process_cost(charging_process_id integer,
                                      energy_used_kwh numeric,
                                      fast_charger_type text)
    RETURNS numeric
    LANGUAGE sql STABLE
    SET search_path = public, pg_temp
AS $$
    SELECT CASE
        WHEN fast_charger_type LIKE 'Tesla%' AND s.free_supercharging THEN 0::numeric
        WHEN g.billing_type = 'per_kwh' THEN
            CASE
                WHEN cp.charge_energy_added IS NULL AND energy_used_kwh IS NULL THEN NULL
                WHEN g.session_fee IS NULL AND g.cost_per_unit IS NULL THEN NULL
                ELSE coalesce(g.session_fee, 0)
                     + coalesce(greatest(cp.charge_energy_added, energy_used_kwh)
                                * g.cost_per_unit, 0)
            END
        WHEN g.billing_type = 'per_minute' AND cp.duration_min IS NOT NULL THEN
            CASE
                WHEN g.session_fee IS NULL AND g.cost_per_unit IS NULL THEN NULL
                ELSE coalesce(g.session_fee, 0) + coalesce(cp.duration_min * g.cost_per_unit, 0)
            END
    END
    FROM charging_processes cp
    JOIN cars c ON c.tenant_id = cp.tenant_id AND c.id = cp.car_id
    JOIN car_settings s ON s.tenant_id = c.tenant_id AND s.id = c.settings_id
    LEFT JOIN geofences g ON g.tenant_id = cp.tenant_id AND g.id = cp.geofence_id
    WHERE cp.id = charging_process_id
$$;

-- TeslaMate's "calculate charge costs" of a geofence: fills the cost of its
-- processes that have none, from the stored (rounded) energies, without the
-- free-supercharging rule. Returns the number of processes updated.
CREATE FUNCTION geofence_calculate_charge_costs(geofence integer) RETURNS integer
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
DECLARE
    updated integer;
BEGIN
    UPDATE charging_processes cp
    SET cost = CASE
        WHEN g.session_fee IS NULL AND g.cost_per_unit IS NULL THEN NULL
        WHEN g.billing_type = 'per_kwh' THEN
            coalesce(g.session_fee, 0)
            + coalesce(g.cost_per_unit * greatest(cp.charge_energy_used, cp.charge_energy_added), 0)
        ELSE coalesce(g.session_fee, 0) + coalesce(g.cost_per_unit * cp.duration_min, 0)
    END
    FROM geofences g
    WHERE g.id = geofence
      AND cp.tenant_id = g.tenant_id
      AND cp.geofence_id = g.id
      AND cp.cost IS NULL;
    GET DIAGNOSTICS updated = ROW_COUNT;
    RETURN updated;
END
$$;

-- The number of the geofence tenant's processes without a cost whose
-- position lies inside the geofence.
CREATE FUNCTION geofence_count_charging_processes_without_costs(geofence integer)
    RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path = public, pg_temp
AS $$
    SELECT count(*)
    FROM geofences g
    JOIN charging_processes cp ON cp.tenant_id = g.tenant_id AND cp.cost IS NULL
    JOIN positions p ON p.tenant_id = cp.tenant_id AND p.id = cp.position_id
    WHERE g.id = geofence
      AND earth_box(ll_to_earth(g.latitude, g.longitude), g.radius)
          @> ll_to_earth(p.latitude, p.longitude)
      AND earth_distance(ll_to_earth(g.latitude, g.longitude),
                         ll_to_earth(p.latitude, p.longitude)) < g.radius
$$;


-- The repair service's scans: newest first, per tenant, among the rows
-- still missing an address. Small, because nearly every row has one.

CREATE INDEX drives_missing_address_index ON drives (tenant_id, id)
    WHERE start_address_id IS NULL OR end_address_id IS NULL;

CREATE INDEX charging_processes_missing_address_index ON charging_processes (tenant_id, id)
    WHERE address_id IS NULL;
