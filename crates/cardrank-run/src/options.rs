//! How to read the input: every read option of the CLI and of Python, under
//! the same names and defaults, turned into the readers' options once.

use std::path::PathBuf;

use cardrank::{RankParams, Score};
use cardrank_io::{
    CsvOptions, Format, NumericMode, Projection, ReadOptions, Transforms, VwOptions,
};

/// The default of [`ReadArgs::batch_size`].
pub const DEFAULT_BATCH_SIZE: usize = 65_536;

/// Every read option, as the user spells it (`--numeric quantile:10`,
/// `numeric="quantile:10"`); [`ReadArgs::reader`] checks them all.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadArgs {
    /// `csv`, `tsv`, `parquet`, `ipc` or `vw` (`None`: recognised from the
    /// first bytes, then the name; otherwise CSV).
    pub format: Option<String>,
    /// One ASCII character, or `\t` / `tab` (`None`: tab for `.tsv`/`.tab`,
    /// else comma).
    pub delimiter: Option<String>,
    /// `none` (each value a category), `quantile:K` or `log[:B]`.
    pub numeric: String,
    /// Multivalue columns, `COLUMN:SEPARATOR` each (`space`, `tab`, `comma`,
    /// `pipe`, `semicolon` or the characters themselves).
    pub multivalue: Vec<String>,
    /// Keep a reproducible sample of this share of the rows, in (0, 1].
    pub sample_rate: Option<f64>,
    /// Seed of the sampling hash.
    pub seed: u64,
    /// Keep at most this many distinct values per feature (the rest fold
    /// into `<other>`).
    pub max_distinct: Option<usize>,
    /// Skip malformed rows (counted) instead of stopping.
    pub skip_bad_rows: bool,
    /// Vowpal Wabbit namespace names: `a=user,b=site`, or a file of
    /// `namespace=column` lines.
    pub vw_namespaces: Option<String>,
    /// Rows per batch (at least 1).
    pub batch_size: usize,
}

impl Default for ReadArgs {
    fn default() -> Self {
        ReadArgs {
            format: None,
            delimiter: None,
            numeric: "none".into(),
            multivalue: Vec::new(),
            sample_rate: None,
            seed: 0,
            max_distinct: None,
            skip_bad_rows: false,
            vw_namespaces: None,
            batch_size: DEFAULT_BATCH_SIZE,
        }
    }
}

fn invalid(message: String) -> cardrank_io::Error {
    cardrank_io::Error::InvalidOption { message }
}

/// Parses a delimiter: one ASCII character, or `\t` / `tab`.
///
/// ```
/// assert_eq!(cardrank_run::parse_delimiter(";").unwrap(), b';');
/// assert_eq!(cardrank_run::parse_delimiter("tab").unwrap(), b'\t');
/// assert!(cardrank_run::parse_delimiter("ab").is_err());
/// ```
pub fn parse_delimiter(d: &str) -> cardrank_io::Result<u8> {
    match d {
        "\\t" | "tab" | "\t" => Ok(b'\t'),
        s if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        s => Err(invalid(format!(
            "invalid delimiter `{s}`: expected one ASCII character or `\\t`"
        ))),
    }
}

/// Parses a multivalue spec `COLUMN:SEPARATOR` (the separator may be
/// `space`, `tab`, `\t`, `comma`, `pipe`, `semicolon` or the characters
/// themselves).
///
/// ```
/// use cardrank_run::parse_multivalue;
/// assert_eq!(parse_multivalue("tags:;").unwrap(), ("tags".into(), ";".into()));
/// assert_eq!(parse_multivalue("t:space").unwrap().1, " ");
/// assert_eq!(parse_multivalue("t::").unwrap().1, ":");
/// assert!(parse_multivalue("tags").is_err());
/// assert!(parse_multivalue(":x").is_err());
/// ```
pub fn parse_multivalue(spec: &str) -> cardrank_io::Result<(String, String)> {
    let (col, sep) = spec.split_once(':').ok_or_else(|| {
        invalid(format!(
            "invalid multivalue `{spec}`: expected COLUMN:SEPARATOR, e.g. tags:;"
        ))
    })?;
    let sep = match sep {
        "space" => " ",
        "tab" | "\\t" => "\t",
        "comma" => ",",
        "pipe" => "|",
        "semicolon" => ";",
        s => s,
    };
    if col.is_empty() || sep.is_empty() {
        return Err(invalid(format!(
            "invalid multivalue `{spec}`: empty column or separator"
        )));
    }
    Ok((col.to_string(), sep.to_string()))
}

impl ReadArgs {
    /// Whether any option needs a file reader (they mean nothing for Arrow
    /// data already in memory).
    pub fn is_default(&self) -> bool {
        self == &ReadArgs::default()
    }

    /// The readers' options for a run of `target` reading `columns`, with
    /// `missing` as the missing tokens (binning never parses them).
    pub fn reader(
        &self,
        target: &str,
        missing: &[String],
        features: Option<Vec<String>>,
        exclude: Vec<String>,
    ) -> cardrank_io::Result<(ReadOptions, Transforms)> {
        let format = self
            .format
            .as_deref()
            .map(str::parse::<Format>)
            .transpose()?;
        let numeric: NumericMode = self.numeric.parse()?;
        let vw = match &self.vw_namespaces {
            Some(spec) => VwOptions::parse_map(spec)?,
            None => VwOptions::default(),
        };
        let delimiter = self.delimiter.as_deref().map(parse_delimiter).transpose()?;
        let read = ReadOptions {
            format,
            csv: CsvOptions {
                delimiter,
                batch_size: self.batch_size,
                skip_bad_rows: self.skip_bad_rows,
                ..CsvOptions::default()
            },
            columns: Projection {
                target: Some(target.to_string()),
                features,
                exclude,
            },
            vw,
        };
        let transforms = Transforms {
            target: Some(target.to_string()),
            numeric,
            multivalue: self
                .multivalue
                .iter()
                .map(|s| parse_multivalue(s))
                .collect::<Result<_, _>>()?,
            sample_rate: self.sample_rate,
            seed: self.seed,
            missing: if missing.is_empty() {
                vec![String::new()]
            } else {
                missing.to_vec()
            },
        };
        Ok((read, transforms))
    }
}

/// One run: the inputs, what to rank, how to read. The CLI fills it from
/// its arguments, the binding from Python's; every run function takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Paths or glob patterns (`-`: standard input), read as one data set.
    pub inputs: Vec<PathBuf>,
    /// The target column.
    pub target: String,
    /// Missing-value tokens (empty: the default of the command, `[""]` for
    /// rank, `["", "?"]` for the report).
    pub missing: Vec<String>,
    /// Rank only these features.
    pub features: Option<Vec<String>>,
    /// Leave these features out (they are not read).
    pub exclude: Vec<String>,
    /// The score the ranking is sorted by.
    pub score: Score,
    /// Worker threads (`None`: `CARDRANK_THREADS`, else all cores).
    pub threads: Option<usize>,
    /// Drop the rows whose target is missing (counted) instead of failing.
    pub drop_missing_target: bool,
    /// How to read the inputs.
    pub read: ReadArgs,
}

impl RunSpec {
    /// A run of `target` over `inputs` with every default.
    pub fn new(inputs: Vec<PathBuf>, target: impl Into<String>) -> Self {
        RunSpec {
            inputs,
            target: target.into(),
            missing: Vec::new(),
            features: None,
            exclude: Vec::new(),
            score: Score::Adjusted,
            threads: None,
            drop_missing_target: false,
            read: ReadArgs::default(),
        }
    }

    /// Whether an input is standard input (read once).
    pub fn reads_stdin(&self) -> bool {
        self.inputs.iter().any(|f| f.as_os_str() == "-")
    }

    /// The inputs as one name for messages and outputs.
    pub fn source_name(&self) -> String {
        self.inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The ranker's parameters (the reader leaves out `exclude`, so the
    /// ranker is not told about them), with `missing` when none were given.
    pub fn params(&self, default_missing: &[&str]) -> RankParams {
        let mut p = RankParams::new(&self.target)
            .score(self.score)
            .drop_missing_target(self.drop_missing_target);
        let missing = self.missing_tokens(default_missing);
        if missing != [String::new()] {
            p = p.missing(&missing);
        }
        if let Some(t) = self.threads {
            p = p.threads(t);
        }
        if let Some(f) = &self.features {
            p = p.features(f);
        }
        if let Some(k) = self.read.max_distinct {
            p = p.max_distinct(k);
        }
        p
    }

    /// The missing tokens: those given, else `default`.
    pub fn missing_tokens(&self, default: &[&str]) -> Vec<String> {
        if self.missing.is_empty() {
            default.iter().map(|s| s.to_string()).collect()
        } else {
            self.missing.clone()
        }
    }

    /// The readers' options, reading `columns` (and the target) when given,
    /// else the run's features. Excluding the target is an error (the
    /// reader would leave it out, and the error would be a missing target).
    pub fn reader(
        &self,
        default_missing: &[&str],
        columns: Option<&[String]>,
    ) -> crate::Result<(ReadOptions, Transforms)> {
        cardrank::check_exclude(&self.target, &self.exclude)?;
        let features = columns
            .map(<[String]>::to_vec)
            .or_else(|| self.features.clone());
        // A pass that reads only some columns splits only those.
        let mut read = self.read.clone();
        if let Some(columns) = columns {
            read.multivalue
                .retain(|spec| parse_multivalue(spec).map_or(true, |(c, _)| columns.contains(&c)));
        }
        Ok(read.reader(
            &self.target,
            &self.missing_tokens(default_missing),
            features,
            self.exclude.clone(),
        )?)
    }
}
