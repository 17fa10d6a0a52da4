//! Which columns of an input are ranked, and which can be paired.

use arrow_schema::Schema;

/// The features of an input: every column but the target that the run
/// reads, in input order, and those of them that can be paired.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Features {
    /// Every ranked feature.
    pub ranked: Vec<String>,
    /// The ranked features with one value per row: a multivalue (list)
    /// column has no pair table.
    pub pairable: Vec<String>,
}

impl Features {
    /// The features of `schema` for a run of `target` that keeps only
    /// `features` (all when `None`) and leaves out `exclude`.
    ///
    /// ```
    /// use cardrank_run::Features;
    /// use arrow_schema::{DataType, Field, Schema};
    ///
    /// let list = DataType::List(Field::new("item", DataType::Utf8, true).into());
    /// let schema = Schema::new(vec![
    ///     Field::new("a", DataType::Utf8, true),
    ///     Field::new("tags", list, true),
    ///     Field::new("id", DataType::Utf8, true),
    ///     Field::new("y", DataType::Utf8, true),
    /// ]);
    /// let f = Features::of(&schema, "y", None, &["id".to_string()]);
    /// assert_eq!(f.ranked, ["a", "tags"]);
    /// assert_eq!(f.pairable, ["a"]);
    /// ```
    pub fn of(
        schema: &Schema,
        target: &str,
        features: Option<&[String]>,
        exclude: &[String],
    ) -> Features {
        let mut out = Features::default();
        for field in schema.fields() {
            let name = field.name();
            if name == target
                || exclude.contains(name)
                || features.is_some_and(|list| !list.contains(name))
            {
                continue;
            }
            out.ranked.push(name.clone());
            if !field.data_type().is_nested() {
                out.pairable.push(name.clone());
            }
        }
        out
    }
}
