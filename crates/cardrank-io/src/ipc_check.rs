//! Checks on the lengths an Arrow IPC file or stream claims, made before
//! arrow-rs allocates anything from them.
//!
//! arrow-rs (59) trusts these numbers: a footer block's body length, a
//! stream's message length and a compressed buffer's uncompressed length
//! each become one allocation of that size, so a 2 KB file claiming 2^47
//! bytes aborts the process. Here every length is checked against the bytes
//! that can back it: a block against the file's data section, a buffer
//! against its message body, an uncompressed length against the most its
//! codec can expand the compressed bytes.

use arrow_ipc::{root_as_message, Block, CompressionType, MessageHeader, RecordBatch};

/// The most an LZ4 frame expands its input (LZ4 tops out near 255:1).
const LZ4_MAX_RATIO: u64 = 256;
/// The most a zstd frame expands its input (a 4-byte RLE block makes
/// 128 KiB, 32,768:1).
const ZSTD_MAX_RATIO: u64 = 32_768;
/// Allowance for frame headers on top of the ratio.
const FRAME_SLACK: u64 = 1 << 10;

/// Checks a footer block: it must lie between the 8-byte leading magic and
/// `data_end` (where the footer starts). Returns its offset and total size.
pub(crate) fn check_block(block: &Block, data_end: u64) -> Result<(u64, usize), String> {
    let (offset, meta, body) = (block.offset(), block.metaDataLength(), block.bodyLength());
    let bad = || {
        format!(
            "a footer block claims {meta} metadata and {body} body bytes at offset {offset}, \
             past the {data_end} bytes of data before the footer"
        )
    };
    if offset < 8 || meta < 8 || body < 0 {
        return Err(bad());
    }
    let total = (offset as u64)
        .checked_add(meta as u64)
        .and_then(|t| t.checked_add(body as u64))
        .ok_or_else(bad)?;
    if total > data_end {
        return Err(bad());
    }
    Ok((offset as u64, meta as usize + body as usize))
}

/// The flatbuffer of an encapsulated message: `bytes` starts with the
/// length prefix (after the continuation marker, if any) and is
/// `meta_len` bytes long up to the body.
pub(crate) fn message_bytes(bytes: &[u8], meta_len: usize) -> Result<&[u8], String> {
    let start = if bytes.starts_with(crate::format::IPC_STREAM_MARKER) {
        8
    } else {
        4
    };
    bytes
        .get(start..meta_len)
        .ok_or_else(|| format!("a message of {meta_len} bytes is too short for its length prefix"))
}

/// The body length a message (its flatbuffer `meta`) claims.
pub(crate) fn body_length(meta: &[u8]) -> Result<u64, String> {
    let message = root_as_message(meta).map_err(|e| format!("invalid message: {e}"))?;
    u64::try_from(message.bodyLength())
        .map_err(|_| format!("a message claims a body of {} bytes", message.bodyLength()))
}

/// Checks a message (its flatbuffer `meta`) against its `body`: every
/// buffer of a record or dictionary batch inside the body, counts not
/// negative, and each compressed buffer's uncompressed length within what
/// its codec can make of its bytes.
pub(crate) fn check_message(meta: &[u8], body: &[u8]) -> Result<(), String> {
    let message = root_as_message(meta).map_err(|e| format!("invalid message: {e}"))?;
    let batch = match message.header_type() {
        MessageHeader::RecordBatch => message.header_as_record_batch(),
        MessageHeader::DictionaryBatch => {
            message.header_as_dictionary_batch().and_then(|d| d.data())
        }
        _ => return Ok(()),
    };
    match batch {
        Some(batch) => check_batch(&batch, body),
        None => Err("a batch message has no batch".into()),
    }
}

fn check_batch(batch: &RecordBatch, body: &[u8]) -> Result<(), String> {
    if batch.length() < 0 {
        return Err(format!("a batch claims {} rows", batch.length()));
    }
    for node in batch.nodes().iter().flatten() {
        if node.length() < 0 || node.null_count() < 0 || node.null_count() > node.length() {
            return Err(format!(
                "a column claims {} values of which {} null",
                node.length(),
                node.null_count()
            ));
        }
    }
    if let Some(counts) = batch.variadicBufferCounts() {
        if counts.iter().any(|c| c < 0) {
            return Err("a column claims a negative number of buffers".into());
        }
    }
    let ratio = batch.compression().map(|c| match c.codec() {
        CompressionType::LZ4_FRAME => LZ4_MAX_RATIO,
        _ => ZSTD_MAX_RATIO,
    });
    for buffer in batch.buffers().iter().flatten() {
        let (offset, length) = (buffer.offset(), buffer.length());
        let range = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(length).ok())
            .and_then(|(o, l)| Some(o..o.checked_add(l)?))
            .filter(|r| r.end <= body.len())
            .ok_or_else(|| {
                format!(
                    "a buffer claims {length} bytes at offset {offset} of a {} byte body",
                    body.len()
                )
            })?;
        let (Some(ratio), Some(prefix)) = (ratio, body[range].first_chunk::<8>()) else {
            continue;
        };
        let claimed = i64::from_le_bytes(*prefix);
        let packed = length as u64 - 8;
        let most = packed.saturating_mul(ratio).saturating_add(FRAME_SLACK);
        if claimed < -1 || (claimed > 0 && claimed as u64 > most) {
            return Err(format!(
                "a compressed buffer claims {claimed} bytes uncompressed from {packed} bytes"
            ));
        }
    }
    Ok(())
}
