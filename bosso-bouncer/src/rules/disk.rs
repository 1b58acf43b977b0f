//! Disk overwrites: `dd`, `mkfs`, `wipefs`, `shred`, `blkdiscard` and partitioning tools on
//! block devices. (Redirections and other writes to devices are in `files.rs`.)

use super::{Opts, Target};
use crate::eval::{Arg, Evaluator};
use crate::paths::is_device;
use crate::{BuiltinRule, Span};

impl Evaluator<'_> {
    pub(crate) fn dd_rule(&mut self, args: &[Arg], span: Span) {
        for a in args {
            if let Some(of) = a.text.strip_prefix("of=") {
                let of = Arg {
                    text: of.to_owned(),
                    ..a.clone()
                };
                if self.target(&of) == Target::Unknown {
                    self.review(
                        "dd writes to a path that depends on a variable or command output",
                        span,
                    );
                }
            }
        }
    }

    pub(crate) fn disk_tool_rule(&mut self, name: &str, args: &[Arg], span: Span) {
        let o = Opts::parse(args, "", &[]);
        let listing = o.short('l')
            || o.long("list")
            || args.iter().any(|a| a.text == "print" || a.text == "-p");
        let erase = match name {
            "hdparm" => o.longs.iter().any(|l| {
                l.starts_with("security-erase")
                    || l.starts_with("trim-sector")
                    || l == "write-sector"
            }),
            "nvme" => args
                .iter()
                .any(|a| matches!(a.text.as_str(), "format" | "sanitize")),
            _ => true,
        };
        if !erase {
            return;
        }
        for t in &o.operands {
            match self.target(t) {
                Target::Path(p) if is_device(&p) => {
                    if matches!(
                        name,
                        "fdisk" | "sfdisk" | "sgdisk" | "gdisk" | "parted" | "cfdisk"
                    ) {
                        if !listing {
                            self.review("rewrites a disk's partition table", span);
                        }
                    } else {
                        self.deny(
                            BuiltinRule::DiskOverwrite,
                            format!("{} a block device", verb(name)),
                            span,
                        );
                    }
                }
                Target::Unknown if !matches!(name, "shred") => {
                    self.review(
                        format!("{name} on a device that depends on a variable"),
                        span,
                    );
                }
                _ => {}
            }
        }
    }
}

fn verb(name: &str) -> &'static str {
    match name {
        "wipefs" => "wipefs erases signatures on",
        "blkdiscard" => "blkdiscard discards every block of",
        "shred" => "shred overwrites",
        "hdparm" | "nvme" => "erases",
        _ => "creates a file system on (erasing)",
    }
}
