//! Repeated measurements: best and median of several runs.

use std::time::{Duration, Instant};

/// The durations of several runs of the same work.
#[derive(Clone, Debug, PartialEq)]
pub struct Samples(pub Vec<Duration>);

impl Samples {
    /// Runs `work` `runs` times (at least once), timing each run.
    pub fn measure<T>(runs: usize, mut work: impl FnMut() -> T) -> (Samples, T) {
        let mut times = Vec::with_capacity(runs.max(1));
        let start = Instant::now();
        let mut out = std::hint::black_box(work());
        times.push(start.elapsed());
        for _ in 1..runs {
            let start = Instant::now();
            let next = std::hint::black_box(work());
            times.push(start.elapsed());
            // The previous result is dropped outside the timed region.
            out = next;
        }
        (Samples(times), out)
    }

    /// The fastest run.
    pub fn best(&self) -> Duration {
        self.0.iter().copied().min().unwrap_or_default()
    }

    /// The median run (the mean of the two middle runs for an even count).
    pub fn median(&self) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        match v.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2,
        }
    }
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_and_median() {
        let ms = Duration::from_millis;
        let cases: &[(&[u64], u64, u64)] = &[
            (&[5, 1, 3], 1, 3),
            (&[4, 2, 8, 6], 2, 5),
            (&[7], 7, 7),
            (&[], 0, 0),
        ];
        for &(runs, best, median) in cases {
            let s = Samples(runs.iter().map(|&r| ms(r)).collect());
            assert_eq!((s.best(), s.median()), (ms(best), ms(median)), "{runs:?}");
        }
    }

    #[test]
    fn measure_runs_the_work_each_time() {
        let mut calls = 0;
        let (samples, last) = Samples::measure(4, || {
            calls += 1;
            calls
        });
        assert_eq!((samples.0.len(), last), (4, 4));
        let (samples, _) = Samples::measure(0, || ());
        assert_eq!(samples.0.len(), 1);
    }
}
