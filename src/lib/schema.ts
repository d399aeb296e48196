/**
 * Numbered, forward-only migrations. MIGRATIONS[0] is version 1. Never edit a migration that has
 * shipped: add a new one. Each runs in one transaction (see db.ts).
 *
 * Conventions: tables plural snake_case; timestamps ISO-8601 text named *_at; periods 'YYYY-MM';
 * region codes in their short form (2/4/6/9/12 digits); 身份证号 as the 18-character upper-case text.
 */
const V1 = `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE config (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  operator TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  details_json TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);

-- 行政区划. Built-in rows come from data/regions.json; villages are added as rosters name them.
CREATE TABLE regions (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
  parent_code TEXT REFERENCES regions(code),
  reports_to TEXT REFERENCES regions(code),
  source TEXT NOT NULL DEFAULT 'builtin' CHECK (source IN ('builtin', 'roster', 'manual')),
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX regions_parent ON regions(parent_code);
CREATE INDEX regions_name ON regions(name);

-- 脱贫状态 as data, so that later monitoring categories are rows, not schema changes.
CREATE TABLE poverty_statuses (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('poor', 'exited', 'returned', 'monitored')),
  seq INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO poverty_statuses (name, kind, seq) VALUES
  ('未脱贫', 'poor', 1), ('已脱贫', 'exited', 2), ('返贫', 'returned', 3),
  ('脱贫不稳定户', 'monitored', 4), ('边缘易致贫户', 'monitored', 5), ('突发严重困难户', 'monitored', 6);

-- One file imported (roster, a department's benefit list, or a pairing list).
CREATE TABLE import_batches (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('roster', 'benefit', 'pairing')),
  period TEXT,
  benefit_code TEXT,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  sheet TEXT,
  encoding TEXT,
  total_rows INTEGER NOT NULL DEFAULT 0,
  accepted_rows INTEGER NOT NULL DEFAULT 0,
  rejected_rows INTEGER NOT NULL DEFAULT 0,
  skipped_rows INTEGER NOT NULL DEFAULT 0,
  warning_count INTEGER NOT NULL DEFAULT 0,
  columns_json TEXT,
  mapping_json TEXT,
  -- The rowids of the roster_entries a batch appended: one import is one transaction, so they form
  -- a contiguous range, and a period's rows can be read as ranges rather than index look-ups.
  first_entry_id INTEGER,
  last_entry_id INTEGER,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'superseded')),
  imported_at TEXT NOT NULL,
  operator TEXT NOT NULL
);
CREATE INDEX import_batches_sha ON import_batches(kind, sha256);
CREATE INDEX import_batches_period ON import_batches(kind, period);

-- Rows that failed validation, with their original cells, so nothing a clerk sent is lost.
CREATE TABLE rejected_rows (
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
  row_number INTEGER NOT NULL,
  id_number TEXT,
  county_code TEXT,
  cells_json TEXT NOT NULL,
  errors_json TEXT NOT NULL
);
CREATE INDEX rejected_rows_batch ON rejected_rows(batch_id);
CREATE INDEX rejected_rows_id_number ON rejected_rows(id_number);

-- Values the importer fixed (full-width digits, 二级 → 2 …), reported as from → to.
CREATE TABLE import_warnings (
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
  row_number INTEGER NOT NULL,
  column_name TEXT NOT NULL,
  code TEXT NOT NULL,
  from_value TEXT,
  to_value TEXT
);
CREATE INDEX import_warnings_batch ON import_warnings(batch_id);

-- Header → field mappings a clerk confirmed once, remembered for next month.
CREATE TABLE column_mappings (
  kind TEXT NOT NULL,
  header TEXT NOT NULL,
  field TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (kind, header)
) WITHOUT ROWID;

-- 花名册: one row per person per month (the period's roster is the union of its active batches).
-- The hot table of a 1M-row import: a plain rowid table appended in file order plus one unique
-- index, and no foreign keys (the importer validates every value), so that each accepted row
-- costs one append and one small index insert. A wide WITHOUT ROWID table keyed on
-- (period, id_number) was measured 3-4x slower for inserts arriving in file order.
CREATE TABLE roster_entries (
  id INTEGER PRIMARY KEY,
  period TEXT NOT NULL,
  id_number TEXT NOT NULL,
  batch_id INTEGER NOT NULL,
  row_number INTEGER NOT NULL,
  name TEXT NOT NULL,
  gender TEXT,
  household_no TEXT,
  relation TEXT,
  household_size INTEGER,
  poverty_cause TEXT,
  county_code TEXT,
  township_code TEXT,
  village_code TEXT,
  township_name TEXT,
  village_name TEXT,
  cert_number TEXT,
  category INTEGER,
  grade INTEGER,
  poverty_status TEXT NOT NULL,
  exit_year INTEGER,
  phone TEXT,
  extra_json TEXT
);
CREATE UNIQUE INDEX roster_entries_period_id ON roster_entries(period, id_number);

-- 人 and 户 are derived from the monthly snapshots rather than written by every import: the
-- roster is the source of truth, and a person's latest row says who they are now.
CREATE VIEW persons AS
  SELECT id_number, name, gender,
    substr(id_number, 7, 4) || '-' || substr(id_number, 11, 2) || '-' || substr(id_number, 13, 2) AS birth_date,
    first_period, last_period
  FROM (SELECT id_number, name, gender,
          min(period) OVER (PARTITION BY id_number) AS first_period,
          max(period) OVER (PARTITION BY id_number) AS last_period,
          row_number() OVER (PARTITION BY id_number ORDER BY period DESC) AS latest
        FROM roster_entries)
  WHERE latest = 1;

CREATE VIEW households AS
  SELECT household_no, county_code, township_code, village_code, first_period, last_period
  FROM (SELECT household_no, county_code, township_code, village_code,
          min(period) OVER (PARTITION BY household_no) AS first_period,
          max(period) OVER (PARTITION BY household_no) AS last_period,
          row_number() OVER (PARTITION BY household_no ORDER BY period DESC, id_number) AS latest
        FROM roster_entries WHERE household_no IS NOT NULL)
  WHERE latest = 1;

-- 政策/帮扶措施 types; the office can add its own.
CREATE TABLE benefit_types (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  scope TEXT NOT NULL CHECK (scope IN ('person', 'household')),
  builtin INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO benefit_types (code, name, scope, builtin) VALUES
  ('dibao', '低保', 'household', 1),
  ('tekun', '特困供养', 'person', 1),
  ('living_subsidy', '困难残疾人生活补贴', 'person', 1),
  ('care_subsidy', '重度残疾人护理补贴', 'person', 1),
  ('medical_insurance', '医保个人缴费补贴', 'person', 1),
  ('pension_premium', '养老保险代缴', 'person', 1),
  ('housing_renovation', '危房改造', 'household', 1),
  ('accessibility', '无障碍改造', 'household', 1),
  ('assistive_device', '辅助器具适配', 'person', 1),
  ('rehabilitation', '基本康复服务', 'person', 1),
  ('education_aid', '教育资助', 'person', 1),
  ('literacy', '扫盲', 'person', 1),
  ('skills_training', '职业/实用技术培训', 'person', 1),
  ('special_loan', '特惠贷', 'household', 1),
  ('rehab_loan', '康复扶贫贷款', 'household', 1),
  ('asset_income', '资产收益', 'household', 1),
  ('relocation', '易地扶贫搬迁', 'household', 1),
  ('forest_ranger', '生态护林员', 'person', 1),
  ('library_keeper', '农家书屋管理员', 'person', 1),
  ('public_job', '公益岗位', 'person', 1);

-- A department's list, matched by 身份证号. No foreign key to persons on purpose: people on a list
-- but not on the roster are kept and reported.
CREATE TABLE benefit_records (
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES import_batches(id),
  period TEXT NOT NULL,
  benefit_code TEXT NOT NULL REFERENCES benefit_types(code),
  id_number TEXT NOT NULL,
  name TEXT,
  household_no TEXT,
  amount REAL,
  start_date TEXT,
  end_date TEXT,
  row_number INTEGER,
  extra_json TEXT,
  UNIQUE (period, benefit_code, id_number)
);
CREATE INDEX benefit_records_person ON benefit_records(id_number);

-- 责任单位: departments and local governments.
-- source: 'plan' = named in the plan (annex, addressee line), 'auto' = a local government added when
-- a task went to its region, 'manual' = added with unit add.
CREATE TABLE units (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  full_name TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('department', 'government', 'other')),
  region_code TEXT REFERENCES regions(code),
  source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('plan', 'auto', 'manual')),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);

-- The plan's catalogue: 10 重点行动 and 15 保障措施.
CREATE TABLE actions (
  code TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('key_action', 'safeguard')),
  seq INTEGER NOT NULL,
  title TEXT NOT NULL,
  content TEXT NOT NULL,
  lead_units TEXT, -- JSON array of unit names, as the annex lists them
  builtin INTEGER NOT NULL DEFAULT 1 -- 0: added or changed by the office's own catalogue file
) WITHOUT ROWID;

-- 指标: computed from the data where the data allows, entered by hand where it does not.
CREATE TABLE indicators (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  unit TEXT,
  target_value REAL,
  comparison TEXT CHECK (comparison IN ('>=', '<=', '=')),
  deadline TEXT,
  action_code TEXT REFERENCES actions(code),
  computed INTEGER NOT NULL DEFAULT 0,
  description TEXT,
  builtin INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;

-- 任务: cascaded level by level through parent_id (层层分解任务).
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER REFERENCES tasks(id),
  action_code TEXT REFERENCES actions(code),
  region_code TEXT NOT NULL REFERENCES regions(code),
  unit_id INTEGER REFERENCES units(id),
  indicator_code TEXT REFERENCES indicators(code),
  title TEXT NOT NULL,
  target_value REAL,
  target_unit TEXT,
  comparison TEXT NOT NULL DEFAULT '>=' CHECK (comparison IN ('>=', '<=', '=')),
  deadline TEXT,
  -- How a child's target came from its parent's: split by roster share, evenly, from a file, or copied (rates).
  split_method TEXT CHECK (split_method IN ('proportional', 'even', 'file', 'copy')),
  split_basis TEXT,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE INDEX tasks_parent ON tasks(parent_id);
CREATE INDEX tasks_region ON tasks(region_code);
CREATE INDEX tasks_action ON tasks(action_code);

CREATE TABLE task_progress (
  id INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  value REAL NOT NULL,
  note TEXT,
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL
);
CREATE INDEX task_progress_task ON task_progress(task_id);

-- 结对帮扶. A helper is one person, told apart by (name, unit, phone); blank unit and phone are ''
-- rather than NULL because UNIQUE treats every NULL as different, which would let one helper repeat.
CREATE TABLE helpers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  unit TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  party_member INTEGER CHECK (party_member IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT,
  UNIQUE (name, unit, phone)
);

-- One helper paired with one household. household_no is roster_entries.household_no, or the member's
-- 身份证号 where the roster gives the household no number (the roster's own household key).
-- Active while end_date is NULL or later than today.
CREATE TABLE pairings (
  id INTEGER PRIMARY KEY,
  helper_id INTEGER NOT NULL REFERENCES helpers(id),
  household_no TEXT NOT NULL,
  id_number TEXT,
  measures TEXT,
  funds REAL,
  start_date TEXT,
  end_date TEXT,
  batch_id INTEGER REFERENCES import_batches(id),
  row_number INTEGER,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT,
  updated_by TEXT
);
CREATE INDEX pairings_household ON pairings(household_no);
CREATE INDEX pairings_helper ON pairings(helper_id);

-- 责任状 and 帮扶责任书, with the file they were printed to.
CREATE TABLE letters (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('responsibility', 'pairing')),
  issuer TEXT NOT NULL,
  recipient TEXT NOT NULL,
  region_code TEXT REFERENCES regions(code),
  pairing_id INTEGER REFERENCES pairings(id),
  template TEXT NOT NULL,
  file_path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  tasks_json TEXT,
  pages INTEGER,
  -- The date printed on the letter (YYYY-MM-DD); created_at is when the file was written.
  issued_at TEXT NOT NULL,
  signed_at TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE INDEX letters_region ON letters(region_code);
CREATE INDEX letters_kind ON letters(kind, issued_at);

-- 考核 results: one row per region per scheme and period.
CREATE TABLE assessments (
  id INTEGER PRIMARY KEY,
  scheme_name TEXT NOT NULL,
  scheme_sha256 TEXT,
  period TEXT NOT NULL,
  region_code TEXT NOT NULL REFERENCES regions(code),
  total_score REAL NOT NULL,
  rank INTEGER,
  details_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE INDEX assessments_period ON assessments(period, scheme_name);
`

/**
 * V2 (issue 5, benefits): which measures are one-off (a renovated house stays renovated, so every list up
 * to the period counts) and which recur (only the newest list up to the period counts), and the other
 * names clerks and departments use for a type (护理补贴, 两项补贴's halves, 医保缴费补贴 …).
 */
const V2 = `
ALTER TABLE benefit_types ADD COLUMN recurring INTEGER NOT NULL DEFAULT 1 CHECK (recurring IN (0, 1));
ALTER TABLE benefit_types ADD COLUMN aliases_json TEXT;
ALTER TABLE benefit_types ADD COLUMN created_at TEXT;
UPDATE benefit_types SET recurring = 0
  WHERE code IN ('housing_renovation', 'accessibility', 'assistive_device', 'literacy', 'skills_training', 'relocation');
UPDATE benefit_types SET aliases_json = CASE code
  WHEN 'dibao' THEN '["最低生活保障","农村低保","城乡低保"]'
  WHEN 'tekun' THEN '["特困","特困人员供养","五保","五保供养","特困人员救助供养"]'
  WHEN 'living_subsidy' THEN '["生活补贴","残疾人生活补贴"]'
  WHEN 'care_subsidy' THEN '["护理补贴","重度护理补贴","残疾人护理补贴"]'
  WHEN 'medical_insurance' THEN '["医保缴费补贴","医保补贴","医疗保险缴费补贴","医保代缴"]'
  WHEN 'pension_premium' THEN '["养老保险","养老保险缴费补贴","城乡居民养老保险代缴"]'
  WHEN 'housing_renovation' THEN '["危改","农村危房改造","住房改造"]'
  WHEN 'accessibility' THEN '["无障碍","家庭无障碍改造"]'
  WHEN 'assistive_device' THEN '["辅具适配","辅助器具","辅具"]'
  WHEN 'rehabilitation' THEN '["康复服务","康复"]'
  WHEN 'education_aid' THEN '["助学","教育救助"]'
  WHEN 'skills_training' THEN '["技能培训","职业培训","实用技术培训"]'
  WHEN 'special_loan' THEN '["扶贫特惠贷","精准扶贫特惠贷"]'
  WHEN 'rehab_loan' THEN '["康复贷款"]'
  WHEN 'relocation' THEN '["易地搬迁","扶贫搬迁"]'
  WHEN 'forest_ranger' THEN '["护林员"]'
  WHEN 'public_job' THEN '["公益性岗位"]'
  ELSE NULL END;
CREATE INDEX benefit_records_code_period ON benefit_records(benefit_code, period, id_number);

-- Figures a report computed over a whole period (a province's 500,000 people take seconds), kept until
-- the data changes. data_version counts every change to the tables reports read: each roster or list
-- import is a row of import_batches, so the big tables need no trigger of their own.
CREATE TABLE report_cache (
  key TEXT PRIMARY KEY,
  data_version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  data_json TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING;
CREATE TRIGGER import_batches_version_insert AFTER INSERT ON import_batches BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER import_batches_version_update AFTER UPDATE ON import_batches BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER import_batches_version_delete AFTER DELETE ON import_batches BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER pairings_version_insert AFTER INSERT ON pairings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER pairings_version_update AFTER UPDATE ON pairings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER pairings_version_delete AFTER DELETE ON pairings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER tasks_version_insert AFTER INSERT ON tasks BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER tasks_version_update AFTER UPDATE ON tasks BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER tasks_version_delete AFTER DELETE ON tasks BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER task_progress_version_insert AFTER INSERT ON task_progress BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER task_progress_version_update AFTER UPDATE ON task_progress BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER task_progress_version_delete AFTER DELETE ON task_progress BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER letters_version_insert AFTER INSERT ON letters BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER letters_version_update AFTER UPDATE ON letters BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER letters_version_delete AFTER DELETE ON letters BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER poverty_statuses_version_insert AFTER INSERT ON poverty_statuses BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER poverty_statuses_version_update AFTER UPDATE ON poverty_statuses BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER poverty_statuses_version_delete AFTER DELETE ON poverty_statuses BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER benefit_types_version_insert AFTER INSERT ON benefit_types BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER benefit_types_version_update AFTER UPDATE ON benefit_types BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
CREATE TRIGGER benefit_types_version_delete AFTER DELETE ON benefit_types BEGIN UPDATE meta SET value = value + 1 WHERE key = 'data_version'; END;
`

export const MIGRATIONS: readonly string[] = [V1, V2]
