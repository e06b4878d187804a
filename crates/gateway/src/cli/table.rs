//! Plain-text tables for list commands: aligned columns, one row per line, easy to read and to
//! `grep`/`awk`.

pub fn print(headers: &[&str], rows: &[Vec<String>]) {
    print!("{}", render(headers, rows));
}

fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers
        .iter()
        .map(|header| header.chars().count())
        .collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut text = line(&mut headers.iter().copied());
    for row in rows {
        text.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn columns_are_aligned_to_the_widest_cell() {
        let text = render(
            &["NAME", "STATE"],
            &[
                vec!["bbb-long-name".to_owned(), "enabled".to_owned()],
                vec!["b".to_owned(), "cordoned".to_owned()],
            ],
        );
        assert_eq!(
            text,
            "NAME           STATE\nbbb-long-name  enabled\nb              cordoned\n"
        );
    }
}
