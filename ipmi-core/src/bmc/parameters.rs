//! Get / Set ... Configuration Parameters for the LAN channel: one path for every parameter
//! block (LAN, SOL). Each block says what its parameters mean; this file checks the channel,
//! honours "revision only" and frames the answer.
use super::{emit, parse, Bmc, Reply, Request};
use crate::cmd::transport::lan_config::MAX_PARAMETER_DATA;
use crate::cmd::transport::parameters::{
    GetParameterRequest, GetParameterResponse, SetParameterRequest,
};
use crate::cmd::transport::sol_config::MAX_SOL_PARAMETER_DATA;
use crate::cmd::transport::TransportCmd;
use crate::CompletionCode;

/// A block of configuration parameters read and written one parameter at a time.
pub(super) trait ParameterBlock {
    /// The parameter selector's open enum.
    type Parameter: Copy + From<u8>;
    /// The parameter revision every Get answer carries.
    const REVISION: u8;
    /// Writes parameter `p`'s data into `out` and returns its length (0x80 when not served).
    fn get(&self, p: Self::Parameter, out: &mut [u8]) -> Result<usize, CompletionCode>;
    /// Sets parameter `p` from `data` (0x80 not served, 0x82 read only, 0xC7/0xCC bad data).
    fn set(&mut self, p: Self::Parameter, data: &[u8]) -> Result<(), CompletionCode>;
}

/// Copies a parameter's data into the caller's buffer and returns its length.
pub(super) fn copy_out(data: &[u8], out: &mut [u8]) -> Result<usize, CompletionCode> {
    let dst = out
        .get_mut(..data.len())
        .ok_or(CompletionCode::Unspecified)?;
    dst.copy_from_slice(data);
    Ok(data.len())
}

/// A parameter's data of exactly `N` bytes (C7 otherwise).
pub(super) fn exact<const N: usize>(data: &[u8]) -> Result<[u8; N], CompletionCode> {
    data.try_into()
        .map_err(|_| CompletionCode::RequestDataLengthInvalid)
}

/// Parameter 0, set in progress: 0 complete, 1 in progress, 2 commit (nothing is staged, so a
/// commit completes); 3 is reserved (CC).
pub(super) fn set_in_progress(data: &[u8]) -> Result<u8, CompletionCode> {
    let [v] = exact::<1>(data)?;
    match v & 0x03 {
        0 | 2 => Ok(0),
        1 => Ok(1),
        _ => Err(CompletionCode::InvalidDataField),
    }
}

impl Bmc {
    /// Get / Set LAN and SOL Configuration Parameters.
    pub(super) fn transport_command(
        &mut self,
        req: &Request<'_>,
        out: &mut [u8],
    ) -> Result<Reply, CompletionCode> {
        const LAN: usize = MAX_PARAMETER_DATA;
        const SOL: usize = MAX_SOL_PARAMETER_DATA;
        let len = match TransportCmd::from(req.cmd) {
            TransportCmd::GetLanConfig => {
                self.get_parameter::<_, LAN>(|b| &b.lan, req.data, out)?
            }
            TransportCmd::SetLanConfig => self.set_parameter::<_, LAN>(|b| &mut b.lan, req.data)?,
            TransportCmd::GetSolConfig => {
                self.get_parameter::<_, SOL>(|b| &b.sol, req.data, out)?
            }
            TransportCmd::SetSolConfig => self.set_parameter::<_, SOL>(|b| &mut b.sol, req.data)?,
            TransportCmd::Unknown(_) => return Err(CompletionCode::InvalidCommand),
        };
        Ok(Reply {
            completion_code: CompletionCode::Normal,
            len,
        })
    }

    fn get_parameter<B: ParameterBlock, const MAX: usize>(
        &self,
        block: fn(&Bmc) -> &B,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<usize, CompletionCode>
    where
        u8: From<B::Parameter>,
    {
        let r: GetParameterRequest<B::Parameter> = parse(data)?;
        self.lan_channel(r.channel)?;
        let mut buf = [0u8; MAX];
        let n = if r.revision_only {
            0
        } else {
            block(self).get(r.parameter, &mut buf)?
        };
        let rsp = GetParameterResponse::<MAX> {
            revision: B::REVISION,
            data: buf.get(..n).ok_or(CompletionCode::Unspecified)?,
        };
        emit(&rsp, out)
    }

    fn set_parameter<B: ParameterBlock, const MAX: usize>(
        &mut self,
        block: fn(&mut Bmc) -> &mut B,
        data: &[u8],
    ) -> Result<usize, CompletionCode>
    where
        u8: From<B::Parameter>,
    {
        let r: SetParameterRequest<B::Parameter, MAX> = parse(data)?;
        self.lan_channel(r.channel)?;
        block(self).set(r.parameter, r.data)?;
        Ok(0)
    }
}
