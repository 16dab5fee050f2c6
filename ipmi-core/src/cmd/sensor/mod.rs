//! NetFn Sensor/Event (0x04) commands: platform events, readings, thresholds, event enables.
pub mod platform_event;
pub mod sensor_event_enable;
pub mod sensor_reading;
pub mod sensor_thresholds;

/// A request that is one sensor number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SensorNumber {
    /// Sensor number (FFh reserved).
    pub number: u8,
}

impl<'a> crate::cmd::Body<'a> for SensorNumber {
    fn parse(data: &'a [u8]) -> Result<Self, crate::Error> {
        let [number] = *crate::cmd::exact::<1>(data)?;
        Ok(SensorNumber { number })
    }
    fn buffer_len(&self) -> usize {
        1
    }
    fn emit(&self, out: &mut [u8]) -> Result<usize, crate::Error> {
        crate::cmd::out_slice::<1>(out)?[0] = self.number;
        Ok(1)
    }
}
