-- Article 4 deadlines (the original one and each extension granted) and the national work plan's annual targets.
CREATE TABLE article4_deadline (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deadline    date NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('original', 'extension')),
    decided_on  date,
    note        text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by text NOT NULL
);

CREATE TABLE workplan_target (
    year        integer PRIMARY KEY CHECK (year BETWEEN 1990 AND 2100),
    area_m2     bigint NOT NULL CHECK (area_m2 >= 0), -- area to address (release) in the year
    note        text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by text NOT NULL
);
