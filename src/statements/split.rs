//! Splits a script into statements, remembering the line each one starts on, so the
//! batch runner can report `file:line` for a failing statement.
//!
//! A small scanner rather than the SQL tokenizer: scripts contain `${name}` variables
//! that are only substituted when their statement runs (after earlier `SET`s), and an
//! unterminated string must become an error of its own statement, not of the file.

/// One statement of a script, with comments removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatement {
    /// Statement text without the trailing `;`. Comments are replaced by spaces so
    /// line structure is preserved.
    pub text: String,
    /// 1-based line of the statement's first character.
    pub line: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    /// Inside a quoted string or identifier closed by this character.
    Quoted(char),
    LineComment,
    BlockComment,
}

/// Splits `script` on top-level semicolons, skipping statements that are empty or
/// only comments.
pub fn split_statements(script: &str) -> Vec<SourceStatement> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut start_line: Option<usize> = None;
    let mut line = 1;
    let mut state = State::Code;
    let mut chars = script.chars().peekable();

    while let Some(c) = chars.next() {
        match state {
            State::Code => match c {
                ';' => {
                    push_statement(&mut statements, &mut current, &mut start_line);
                    continue;
                }
                '-' if chars.peek() == Some(&'-') => {
                    chars.next();
                    state = State::LineComment;
                    current.push_str("  ");
                    continue;
                }
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    state = State::BlockComment;
                    current.push_str("  ");
                    continue;
                }
                '\'' | '"' | '`' => state = State::Quoted(c),
                _ => {}
            },
            State::Quoted(close) => {
                // A doubled quote ('' or "") escapes itself and stays inside.
                if c == close {
                    if chars.peek() == Some(&close) {
                        current.push(c);
                        if let Some(next) = chars.next() {
                            current.push(next);
                        }
                        continue;
                    }
                    state = State::Code;
                }
            }
            State::LineComment => {
                if c == '\n' {
                    state = State::Code;
                } else {
                    current.push(' ');
                    continue;
                }
            }
            State::BlockComment => {
                if c == '*' && chars.peek() == Some(&'/') {
                    chars.next();
                    state = State::Code;
                    current.push_str("  ");
                    continue;
                }
                if c != '\n' {
                    current.push(' ');
                    continue;
                }
            }
        }
        if start_line.is_none() && !c.is_whitespace() {
            start_line = Some(line);
        }
        if c == '\n' {
            line += 1;
        }
        current.push(c);
    }
    push_statement(&mut statements, &mut current, &mut start_line);
    statements
}

fn push_statement(
    statements: &mut Vec<SourceStatement>,
    current: &mut String,
    start_line: &mut Option<usize>,
) {
    if let Some(line) = start_line.take() {
        let text = current.trim().to_string();
        if !text.is_empty() {
            statements.push(SourceStatement { text, line });
        }
    }
    current.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_lines_and_quotes() {
        let script = "-- header; not a statement\nSELECT 1;\n\n/* block ; */ SELECT ';' AS a,\n  `x;y`\nFROM t;\nSELECT 'it''s; fine'";
        let stmts = split_statements(script);
        assert_eq!(stmts.len(), 3);
        assert_eq!(stmts[0].text, "SELECT 1");
        assert_eq!(stmts[0].line, 2);
        assert_eq!(stmts[1].line, 4);
        assert!(stmts[1].text.contains("SELECT ';' AS a"));
        assert!(stmts[1].text.contains("`x;y`"));
        assert_eq!(stmts[2].text, "SELECT 'it''s; fine'");
        assert_eq!(stmts[2].line, 7);
    }

    #[test]
    fn skips_empty_and_comment_only() {
        assert!(split_statements(" ; -- only a comment\n ;").is_empty());
        assert!(split_statements("").is_empty());
    }

    #[test]
    fn unterminated_string_stays_in_its_statement() {
        let stmts = split_statements("SELECT 1;\nSELECT 'oops;\nSELECT 2;");
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[1].line, 2);
    }
}
