//! Text encoding of CSV files. Excel on Chinese Windows saves CSV as GBK; DMS exports are
//! often GB18030; newer tools write UTF-8, sometimes with a byte-order mark. We look at
//! the start of the file and decode everything to UTF-8 while streaming.

use encoding_rs::{Decoder, Encoding, GB18030, UTF_8};
use std::io::{self, Read};

/// Which encoding a byte sample is in: a UTF-8 BOM or valid UTF-8 means UTF-8, anything
/// else is GB18030 (a superset of GBK and GB2312).
pub fn detect(sample: &[u8]) -> &'static Encoding {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return UTF_8;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => UTF_8,
        // A multi-byte character cut off at the end of the sample is still UTF-8.
        Err(e) if e.error_len().is_none() => UTF_8,
        Err(_) => GB18030,
    }
}

/// A reader that yields UTF-8 from a source in the detected encoding (BOM removed).
pub struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    pending: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
    pub encoding: &'static Encoding,
}

impl<R: Read> DecodingReader<R> {
    /// Reads up to 64 KiB to detect the encoding, then decodes the whole stream.
    pub fn new(mut inner: R) -> io::Result<Self> {
        let mut sample = vec![0u8; 64 * 1024];
        let mut filled = 0;
        while filled < sample.len() {
            let n = inner.read(&mut sample[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        sample.truncate(filled);
        let encoding = detect(&sample);
        // new_decoder_with_bom_removal strips a UTF-8 BOM.
        let decoder = encoding.new_decoder_with_bom_removal();
        Ok(Self {
            inner,
            decoder,
            pending: sample,
            out: Vec::new(),
            out_pos: 0,
            eof: false,
            encoding,
        })
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() {
            if self.pending.is_empty() && !self.eof {
                let mut buf = vec![0u8; 64 * 1024];
                let n = self.inner.read(&mut buf)?;
                buf.truncate(n);
                self.eof = n == 0;
                self.pending = buf;
            }
            let capacity = self
                .decoder
                .max_utf8_buffer_length(self.pending.len())
                .unwrap_or(self.pending.len() * 3 + 16);
            let mut out = vec![0u8; capacity.max(16)];
            let (_, read, written, _) = self.decoder.decode_to_utf8(&self.pending, &mut out, self.eof);
            self.pending.drain(..read);
            out.truncate(written);
            self.out = out;
            if self.eof && self.pending.is_empty() {
                break;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() {
            if self.eof && self.pending.is_empty() {
                return Ok(0);
            }
            self.refill()?;
            if self.out.is_empty() {
                return Ok(0);
            }
        }
        let n = (self.out.len() - self.out_pos).min(buf.len());
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (String, &'static str) {
        let mut r = DecodingReader::new(bytes).unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        (s, r.encoding.name())
    }

    #[test]
    fn utf8_bom_and_gbk_are_all_read() {
        let text = "客户姓名,手机\n王小明,13812345678\n";
        assert_eq!(decode(text.as_bytes()), (text.to_string(), "UTF-8"));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&bom).0, text);
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk), (text.to_string(), "gb18030"));
    }

    #[test]
    fn long_gbk_files_decode_across_buffer_boundaries() {
        let line = "欧阳娜娜,粤B88K66,哈弗H6,2023年5月6日\n";
        let text = line.repeat(10_000);
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        assert!(gbk.len() > 200_000);
        assert_eq!(decode(&gbk).0, text);
    }
}
