using CmaBroker.Spdm.Authentication;

namespace CmaBroker.Service.Sessions;

/// <summary>
/// The seam for mutual authentication: the requester's certificate chain and key, configured by the
/// mutual-authentication keys, put into the session opening options. Without one, a device that asks
/// for mutual authentication gets no session and the attempt fails with a typed reason.
/// </summary>
public interface ISessionRequesterIdentity
{
    /// <summary>Returns <paramref name="options"/> with the requester identity filled in.</summary>
    SessionOpenOptions Apply(SessionOpenOptions options);
}
