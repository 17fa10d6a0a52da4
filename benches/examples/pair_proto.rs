// TEMPORARY prototype (to be deleted): distinct pair counts and timing.
use std::time::Instant;
use cardrank::arrow_array::{cast::AsArray, Array};
use cardrank::encode::{Dictionary, MissingTokens};
use cardrank_io::{GenParams, Generator};

fn main() {
    let rows: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1_000_000);
    let p = GenParams { rows, columns: 50, seed: 42, ..GenParams::default() };
    let g = Generator::new(&p).unwrap();
    let schema = g.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut dicts: Vec<Dictionary> = names.iter().map(|_| Dictionary::new()).collect();
    let mut codes: Vec<Vec<u32>> = names.iter().map(|_| Vec::with_capacity(rows)).collect();
    let miss = MissingTokens::new(&[""]);
    let t = Instant::now();
    for b in g {
        for (i, col) in b.columns().iter().enumerate() {
            let a = col.as_string::<i32>();
            for r in 0..a.len() {
                let v = if a.is_null(r) { b"".as_slice() } else { a.value(r).as_bytes() };
                codes[i].push(dicts[i].encode(v, &miss));
            }
        }
    }
    eprintln!("gen+encode {:?}", t.elapsed());
    let cards: Vec<usize> = dicts.iter().map(|d| d.len()).collect();
    for (n, c) in names.iter().zip(&cards) { eprint!("{n}:{c} "); }
    eprintln!();
    let f = names.len();
    let mut pairs = vec![];
    for i in 0..f { for j in i+1..f { if names[i] != "click" && names[j] != "click" { pairs.push((i,j)); } } }
    let t = Instant::now();
    use rayon::prelude::*;
    let y = names.iter().position(|n| n == "click").unwrap();
    let res: Vec<(usize, u64, bool)> = pairs.par_iter().map(|&(i, j)| {
        let (ca, cb) = (cards[i], cards[j]);
        let cells = ca * cb;
        let (a, b, yy) = (&codes[i], &codes[j], &codes[y]);
        if cells <= 1 << 20 {
            let mut t0 = vec![0u64; cells];
            let mut t1 = vec![0u64; cells];
            for r in 0..a.len() {
                let k = a[r] as usize * cb + b[r] as usize;
                if yy[r] == 0 { t0[k] += 1 } else { t1[k] += 1 }
            }
            let d = t0.iter().zip(&t1).filter(|(x, y)| **x + **y > 0).count();
            (d, 0, true)
        } else {
            let mut m: hashbrown::HashMap<u64, [u64; 2]> = hashbrown::HashMap::new();
            for r in 0..a.len() {
                let k = (a[r] as u64) << 32 | b[r] as u64;
                m.entry(k).or_insert([0, 0])[yy[r] as usize] += 1;
            }
            (m.len(), m.capacity() as u64, false)
        }
    }).collect();
    let el = t.elapsed();
    let total: usize = res.iter().map(|r| r.0).sum();
    let cap: u64 = res.iter().map(|r| r.1).sum();
    let ndense = res.iter().filter(|r| r.2).count();
    eprintln!("pairs {} dense {} distinct total {} sparse capacity {} time {:?}", pairs.len(), ndense, total, cap, el);
}
