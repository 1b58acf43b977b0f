//! QR rendering of a pairing offer URL: terminal text and PNG.

use qrcode::{EcLevel, QrCode};

use crate::error::{Error, Result};
use crate::offer::PairingOffer;

/// Pixels per module in the PNG.
const SCALE: usize = 8;
/// Quiet zone in modules (the QR specification asks for 4).
const QUIET: usize = 4;

fn code(url: &str) -> Result<QrCode> {
    QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).map_err(|_| Error::Qr)
}

impl PairingOffer {
    /// The offer URL as a QR code in terminal text (two modules per character cell, so it stays
    /// square in most terminals).
    pub fn to_qr_text(&self, app_base_url: &str) -> Result<String> {
        let url = self.to_url(app_base_url)?;
        let code = code(&url)?;
        Ok(code
            .render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build())
    }

    /// The offer URL as a QR code PNG (8-bit grayscale).
    pub fn to_qr_png(&self, app_base_url: &str) -> Result<Vec<u8>> {
        let url = self.to_url(app_base_url)?;
        let code = code(&url)?;
        let width = code.width();
        let colors = code.to_colors();
        let side = (width + 2 * QUIET) * SCALE;
        let mut pixels = vec![255u8; side * side];
        for (i, color) in colors.iter().enumerate() {
            if *color != qrcode::Color::Dark {
                continue;
            }
            let (mx, my) = (i % width + QUIET, i / width + QUIET);
            for y in my * SCALE..(my + 1) * SCALE {
                if let Some(row) =
                    pixels.get_mut(y * side + mx * SCALE..y * side + (mx + 1) * SCALE)
                {
                    row.fill(0);
                }
            }
        }
        let side32 = u32::try_from(side).map_err(|_| Error::Qr)?;
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side32, side32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|_| Error::Qr)?;
        writer.write_image_data(&pixels).map_err(|_| Error::Qr)?;
        writer.finish().map_err(|_| Error::Qr)?;
        Ok(out)
    }
}
