-- The categories and origins of manual occurrences become catalogues of the administration,
-- like the suspension reasons: named in both languages, ordered, retired rather than deleted.
-- They start with the choices the form offered until now, under the codes the execution log
-- already stores, so earlier entries keep their names. Kept in step with
-- migrations/postgres/0012_occurrence_catalogues.sql.
CREATE TABLE occurrence_categories (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    code     TEXT    NOT NULL UNIQUE,
    name_es  TEXT    NOT NULL,
    name_pt  TEXT    NOT NULL,
    position BIGINT  NOT NULL DEFAULT 0,
    active   BIGINT  NOT NULL DEFAULT 1
);

INSERT INTO occurrence_categories (code, name_es, name_pt, position) VALUES
    ('scheduling', 'Agendamiento', 'Agendamento', 1),
    ('diagnosis', 'Diagnóstico', 'Diagnóstico', 2),
    ('execution', 'Ejecución', 'Execução', 3),
    ('follow_up', 'Seguimiento', 'Acompanhamento', 4),
    ('information', 'Información', 'Informação', 5),
    ('feedback', 'Retorno', 'Retorno', 6);

CREATE TABLE occurrence_origins (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    code     TEXT    NOT NULL UNIQUE,
    name_es  TEXT    NOT NULL,
    name_pt  TEXT    NOT NULL,
    position BIGINT  NOT NULL DEFAULT 0,
    active   BIGINT  NOT NULL DEFAULT 1
);

INSERT INTO occurrence_origins (code, name_es, name_pt, position) VALUES
    ('email', 'Correo electrónico', 'E-mail', 1),
    ('phone', 'Teléfono', 'Telefone', 2),
    ('in_person', 'Presencial', 'Presencial', 3),
    ('chat', 'Chat', 'Chat', 4),
    ('system', 'Sistema', 'Sistema', 5),
    ('other', 'Otro', 'Outro', 6);
