//! Reading the request log for the Logs screen (a filtered page, newest first, with a cursor)
//! and trimming it to the retention settings. Rows are written only by the background writer
//! (`records.rs`); everything here reads or deletes.

use std::collections::BTreeSet;

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use types::logs::{LogFilterOptions, LogPage, LogQuery, RequestRecord, StatusFilter};

use super::records::parse_attempt_log;
use super::{Store, StoreError};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// A WHERE clause and its parameters, built from the filters.
struct Filter {
    clauses: Vec<&'static str>,
    values: Vec<Value>,
}

impl Filter {
    fn of(query: &LogQuery) -> Self {
        let mut filter = Filter {
            clauses: Vec::new(),
            values: Vec::new(),
        };
        if let Some(model) = &query.model {
            filter.push("(model = ? OR requested_model = ?)", [model.as_str(); 2]);
        }
        if let Some(channel) = &query.channel {
            filter.push("channel_name = ?", [channel.as_str()]);
        }
        if let Some(name) = &query.client_key_name {
            filter.push("client_key_name = ?", [name.as_str()]);
        }
        match query.status {
            Some(StatusFilter::Ok) => filter.clauses.push("status BETWEEN 200 AND 299"),
            Some(StatusFilter::Failed) => filter.clauses.push("status NOT BETWEEN 200 AND 299"),
            Some(StatusFilter::Code(code)) => {
                filter.clauses.push("status = ?");
                filter.values.push(Value::Integer(code.into()));
            }
            None => {}
        }
        if let Some(from) = query.from_ms {
            filter.clauses.push("at_ms >= ?");
            filter.values.push(Value::Integer(from));
        }
        if let Some(text) = query.captured_text.as_deref().filter(|t| !t.is_empty()) {
            filter.push(
                "id IN (SELECT request_log_id FROM captured_exchanges \
                 WHERE instr(lower(exchange), lower(?)) > 0)",
                [text],
            );
        }
        if let Some(to) = query.to_ms {
            filter.clauses.push("at_ms < ?");
            filter.values.push(Value::Integer(to));
        }
        filter
    }

    fn push<const N: usize>(&mut self, clause: &'static str, texts: [&str; N]) {
        self.clauses.push(clause);
        self.values
            .extend(texts.map(|text| Value::Text(text.to_owned())));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

fn read_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestRecord> {
    Ok(RequestRecord {
        id: r.get(0)?,
        at_ms: r.get(1)?,
        requested_model: r.get(2)?,
        entry_id: r.get(3)?,
        channel: r.get(4)?,
        model: r.get(5)?,
        status: r.get(6)?,
        latency_ms: r.get(7)?,
        first_token_ms: r.get(8)?,
        prompt_tokens: r.get(9)?,
        completion_tokens: r.get(10)?,
        stream: r.get(11)?,
        client_key_name: r.get(12)?,
        error: r.get(13)?,
        attempt_count: r.get(14)?,
        attempts: parse_attempt_log(&r.get::<_, String>(15)?),
        cache_read_tokens: r.get(16)?,
        cache_write_tokens: r.get(17)?,
        reasoning_tokens: r.get(18)?,
        tokens_estimated: r.get(19)?,
        cost_usd: r.get(20)?,
        session: r.get(21)?,
        session_moved: r.get(22)?,
        captured: r.get(23)?,
    })
}

const RECORD_COLUMNS: &str = "id, at_ms, requested_model, entry_id, channel_name, model, status, \
    latency_ms, first_token_ms, prompt_tokens, completion_tokens, stream, client_key_name, error, \
    attempts, attempt_log, cache_read_tokens, cache_write_tokens, reasoning_tokens, \
    tokens_estimated, cost_usd, session, session_moved, \
    EXISTS (SELECT 1 FROM captured_exchanges c WHERE c.request_log_id = request_log.id)";

impl Store {
    /// One page of the request log, newest first, with the totals of everything that matches.
    pub fn log_page(&self, query: &LogQuery) -> Result<LogPage, StoreError> {
        let limit = query.limit.clamp(1, LogQuery::MAX_LIMIT) as usize;
        let filter = Filter::of(query);
        let conn = self.conn();
        let (total, total_ok): (i64, Option<i64>) = conn.query_row(
            &format!(
                "SELECT COUNT(*), SUM(status BETWEEN 200 AND 299) FROM request_log{}",
                filter.sql()
            ),
            params_from_iter(filter.values.iter()),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut paged = filter;
        if let Some(before) = query.before_id {
            paged.clauses.push("id < ?");
            paged.values.push(Value::Integer(before));
        }
        // One row more than asked tells whether another page follows.
        paged.values.push(Value::Integer(limit as i64 + 1));
        let mut stmt = conn.prepare(&format!(
            "SELECT {RECORD_COLUMNS} FROM request_log{} ORDER BY id DESC LIMIT ?",
            paged.sql()
        ))?;
        let mut rows = stmt
            .query_map(params_from_iter(paged.values.iter()), read_record)?
            .collect::<Result<Vec<_>, _>>()?;
        let next_before_id = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| r.id)
        } else {
            None
        };
        Ok(LogPage {
            rows,
            next_before_id,
            total: total.max(0) as u64,
            total_ok: total_ok.unwrap_or(0).max(0) as u64,
        })
    }

    /// The values the Logs screen's filters offer, from the rows kept: one plain scan of the
    /// log (grouping in SQLite sorts every row and was several times slower).
    pub fn log_filter_options(&self) -> Result<LogFilterOptions, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT requested_model, model, channel_name, client_key_name, status \
             FROM request_log",
        )?;
        let mut rows = stmt.query([])?;
        let (mut models, mut channels, mut keys, mut statuses) = (
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
        );
        while let Some(row) = rows.next()? {
            let add = |set: &mut BTreeSet<String>, column| -> rusqlite::Result<()> {
                // Borrowed first: most rows repeat a value already seen.
                let value = row.get_ref(column)?.as_str().unwrap_or_default();
                if !value.is_empty() && !set.contains(value) {
                    set.insert(value.to_owned());
                }
                Ok(())
            };
            add(&mut models, 0)?;
            add(&mut models, 1)?;
            add(&mut channels, 2)?;
            add(&mut keys, 3)?;
            statuses.insert(row.get::<_, u16>(4)?);
        }
        Ok(LogFilterOptions {
            models: models.into_iter().collect(),
            channels: channels.into_iter().collect(),
            client_key_names: keys.into_iter().collect(),
            statuses: statuses.into_iter().collect(),
        })
    }

    /// Deletes rows older than `days` days before `now_ms` and all but the newest `rows`
    /// rows (0 turns either limit off); returns how many were deleted.
    pub fn enforce_log_retention(
        &self,
        days: u32,
        rows: u64,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let conn = self.conn();
        let mut deleted = 0;
        if days > 0 {
            let cutoff = now_ms - i64::from(days) * DAY_MS;
            deleted += conn.execute("DELETE FROM request_log WHERE at_ms < ?1", [cutoff])?;
        }
        if rows > 0 {
            deleted += delete_beyond_newest(&conn, rows)?;
        }
        Ok(deleted as u64)
    }
}

/// Keeps the newest `keep` rows (by id, the order they were written).
fn delete_beyond_newest(conn: &Connection, keep: u64) -> Result<usize, StoreError> {
    let keep = i64::try_from(keep).unwrap_or(i64::MAX);
    Ok(conn.execute(
        "DELETE FROM request_log WHERE id <= \
         (SELECT id FROM request_log ORDER BY id DESC LIMIT 1 OFFSET ?1)",
        params![keep],
    )?)
}
