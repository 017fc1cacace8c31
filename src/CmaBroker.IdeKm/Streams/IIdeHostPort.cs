using CmaBroker.IdeKm.Messages;

namespace CmaBroker.IdeKm.Streams;

/// <summary>
/// The partner port on the host side (the root port). Keying it is the platform's job: on Linux the
/// TSM (kernel PCI/TSM) owns root-port keys, so only an emulated root port implements this today.
/// A port with no provider is <see cref="IdeKmFailure.Unsupported"/> before anything is written.
/// </summary>
public interface IIdeHostPort
{
    /// <summary>Name for messages ("emulated root port 0000:00:01.0").</summary>
    string Name { get; }

    IIdeRegisterAccess Registers { get; }

    /// <summary>Programs one key slot. The caller zeroes <paramref name="key"/> afterwards; the port must copy it.</summary>
    Task ProgramKeyAsync(byte streamId, KeySubStream slot, byte[] key, ulong ifv, CancellationToken cancellationToken);

    Task KeySetGoAsync(byte streamId, KeySubStream slot, CancellationToken cancellationToken);

    Task KeySetStopAsync(byte streamId, KeySubStream slot, CancellationToken cancellationToken);

    /// <summary>The key set the port uses for the stream now (null when it has none going): refresh programs the other one.</summary>
    Task<IdeKeySet?> ActiveKeySetAsync(byte streamId, CancellationToken cancellationToken);

    /// <summary>Forgets every key of the stream (roll-back and stop).</summary>
    Task ClearKeysAsync(byte streamId, CancellationToken cancellationToken);
}
