//! How an apply records its results: group commit on a writer thread.
//!
//! A result is recorded as it lands, and its node counts as done only once
//! the write is committed (a failure later loses nothing already created).
//! The writes are not made on the async runtime's worker threads: with
//! `-parallelism 50`, fifty results land within a millisecond, and fifty
//! SQLite transactions in a row on a worker would hold back the provider
//! calls waiting to start (and each other, on the store's connection).
//! Instead every write is queued to one thread, which commits whatever is
//! queued in one transaction ([`StateStore::write_resources`]: each write
//! still succeeds or fails on its own) and then answers each waiting node.
//! A lone result is written at once; results that land while a batch is
//! being written go together in the next one.

use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use gitform_state::{ResourceRecord, ResourceWrite, StateError, StateStore};
use tokio::sync::oneshot;

/// The most writes committed in one transaction, so that one transaction
/// stays short (a few milliseconds).
const MAX_BATCH: usize = 256;

/// The writes of one run to the state, group-committed on a thread of its
/// own (started at the first write, stopped when the recorder is dropped).
pub(crate) struct Recorder {
    state: Arc<dyn StateStore>,
    /// `None` inside when the thread could not be started: writes are then
    /// made directly.
    writer: OnceLock<Option<Writer>>,
}

struct Writer {
    jobs: mpsc::Sender<Job>,
    thread: JoinHandle<()>,
}

struct Job {
    serial: u64,
    write: ResourceWrite,
    after: Option<After>,
    done: oneshot::Sender<Result<(), StateError>>,
}

/// What to do as soon as a write is committed (or failed), on the thread
/// that wrote it, before its node is answered: report the change and give
/// its parallelism slots back, so that the next change starts without
/// waiting for the node's task to be woken on a worker.
pub(crate) type After = Box<dyn FnOnce(Result<(), &StateError>) + Send>;

impl Recorder {
    pub(crate) fn new(state: Arc<dyn StateStore>) -> Recorder {
        Recorder {
            state,
            writer: OnceLock::new(),
        }
    }

    /// [`StateStore::put_resource`], committed when this returns.
    pub(crate) async fn put(&self, serial: u64, record: ResourceRecord) -> Result<(), StateError> {
        self.write(serial, ResourceWrite::Put(record), None).await
    }

    /// [`Recorder::put`], running `after` as soon as the write is
    /// committed (see [`After`]). If the writer thread dies first, `after`
    /// is dropped without being run.
    pub(crate) async fn put_then(
        &self,
        serial: u64,
        record: ResourceRecord,
        after: After,
    ) -> Result<(), StateError> {
        self.write(serial, ResourceWrite::Put(record), Some(after))
            .await
    }

    /// [`StateStore::remove_resource`], committed when this returns.
    pub(crate) async fn remove(&self, serial: u64, address: String) -> Result<(), StateError> {
        self.write(serial, ResourceWrite::Remove(address), None)
            .await
    }

    async fn write(
        &self,
        serial: u64,
        write: ResourceWrite,
        after: Option<After>,
    ) -> Result<(), StateError> {
        let Some(writer) = self.writer() else {
            return write_now(&*self.state, serial, &write, after);
        };
        let address = match &write {
            ResourceWrite::Put(record) => record.address.clone(),
            ResourceWrite::Remove(address) => address.clone(),
        };
        let (done, answer) = oneshot::channel();
        if let Err(mpsc::SendError(job)) = writer.jobs.send(Job {
            serial,
            write,
            after,
            done,
        }) {
            return write_now(&*self.state, serial, &job.write, job.after);
        }
        match answer.await {
            Ok(result) => result,
            // The writer thread went away without answering (it panicked,
            // and said so on stderr): whether the write was made is unknown.
            Err(_) => Err(StateError::WriterStopped(address)),
        }
    }

    fn writer(&self) -> Option<&Writer> {
        self.writer
            .get_or_init(|| {
                let (jobs, queue) = mpsc::channel();
                let state = self.state.clone();
                std::thread::Builder::new()
                    .name("gitform-state-writer".to_string())
                    .spawn(move || write_queued(&*state, &queue))
                    .ok()
                    .map(|thread| Writer { jobs, thread })
            })
            .as_ref()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Some(Some(writer)) = self.writer.take() {
            // Closing the queue ends the thread once it has written
            // everything queued before.
            drop(writer.jobs);
            let _ = writer.thread.join();
        }
    }
}

/// One write made on the calling thread, then its `after`.
fn write_now(
    state: &dyn StateStore,
    serial: u64,
    write: &ResourceWrite,
    after: Option<After>,
) -> Result<(), StateError> {
    let result = match write {
        ResourceWrite::Put(record) => state.put_resource(serial, record),
        ResourceWrite::Remove(address) => state.remove_resource(serial, address),
    };
    if let Some(after) = after {
        after(result.as_ref().map(|_| ()));
    }
    result
}

/// The writer thread: waits for a write, takes everything queued behind
/// it, commits it (one transaction per run of writes to the same serial)
/// and answers each write.
fn write_queued(state: &dyn StateStore, queue: &mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter().take(MAX_BATCH - 1));
        let mut batch = batch.into_iter().peekable();
        while let Some(job) = batch.next() {
            let serial = job.serial;
            let mut writes = vec![job.write];
            let mut answers = vec![(job.after, job.done)];
            while let Some(job) = batch.next_if(|j| j.serial == serial) {
                writes.push(job.write);
                answers.push((job.after, job.done));
            }
            let results = state.write_resources(serial, &writes);
            // A waiting node that got no answer (a store returning too few
            // results) sees its channel closed and fails its write.
            for ((after, answer), result) in answers.into_iter().zip(results) {
                if let Some(after) = after {
                    after(result.as_ref().map(|_| ()));
                }
                let _ = answer.send(result);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gitform_state::{ResourceMode, SqliteStore, VersionMeta};

    fn record(address: &str) -> ResourceRecord {
        ResourceRecord {
            address: address.to_string(),
            mode: ResourceMode::Managed,
            resource_type: "test_resource".to_string(),
            provider: "provider[\"registry.terraform.io/hashicorp/test\"]".to_string(),
            schema_version: 0,
            attributes: serde_json::json!({ "id": address }),
            sensitive_paths: serde_json::json!([]),
            dependencies: Vec::new(),
            tainted: false,
            create_before_destroy: false,
            updated_serial: 0,
        }
    }

    /// An in-memory store with an apply's version open, and its serial.
    fn store_in_version() -> (Arc<dyn StateStore>, u64) {
        let state: Arc<dyn StateStore> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let serial = state
            .begin_version(VersionMeta {
                author: "test".to_string(),
                operation: "apply".to_string(),
                git: None,
            })
            .unwrap()
            .serial;
        (state, serial)
    }

    /// Many writes at once from many tasks: each is answered, committed
    /// when answered, and they share transactions.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_are_committed_before_they_are_answered() {
        let (state, serial) = store_in_version();
        let recorder = Arc::new(Recorder::new(state.clone()));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..200 {
            let (recorder, state) = (recorder.clone(), state.clone());
            tasks.spawn(async move {
                let address = format!("test_resource.r{i}");
                recorder.put(serial, record(&address)).await.unwrap();
                assert!(state.get_resource(&address).unwrap().is_some());
                if i % 2 == 0 {
                    recorder.remove(serial, address.clone()).await.unwrap();
                    assert!(state.get_resource(&address).unwrap().is_none());
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        // Failures come back to the write that failed.
        assert!(matches!(
            recorder
                .remove(serial, "test_resource.missing".to_string())
                .await,
            Err(StateError::ResourceNotFound(_))
        ));
        assert_eq!(state.list_resources().unwrap().len(), 100);
        assert_eq!(state.version_changes(serial).unwrap().len(), 300);
    }

    /// `after` runs once the write is committed, before the node is
    /// answered, with the write's outcome.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn after_runs_once_committed_and_before_the_answer() {
        let (state, serial) = store_in_version();
        let recorder = Recorder::new(state.clone());
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        for i in 0..20 {
            let address = format!("test_resource.r{i}");
            let (seen2, state2, address2) = (seen.clone(), state.clone(), address.clone());
            let after: After = Box::new(move |result| {
                let committed = state2.get_resource(&address2).unwrap().is_some();
                seen2
                    .lock()
                    .unwrap()
                    .push((address2, result.is_ok(), committed));
            });
            recorder
                .put_then(serial, record(&address), after)
                .await
                .unwrap();
            // Already run when the write is answered.
            assert_eq!(seen.lock().unwrap().last(), Some(&(address, true, true)));
        }
        assert_eq!(seen.lock().unwrap().len(), 20);
    }
}
