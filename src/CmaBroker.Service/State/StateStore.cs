using System.Globalization;
using System.Text.Json;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.State;

/// <summary>
/// Per-device result files under the state directory (<c>pci_0000_03_00_0.json</c>). A save writes a
/// temporary file in the same directory, fsyncs it, renames it over the old file and fsyncs the directory,
/// so after a crash at any instant the file is the old or the new one, never a torn one
/// (ARCHITECTURE.md "Files on a host"). A file that cannot be read or parsed is moved aside
/// (<c>*.corrupt-TIMESTAMP</c>) with a log line; it never stops the broker. Safe to call from several threads.
/// </summary>
public sealed class StateStore
{
    public const string FileExtension = ".json";
    public const string CorruptMarker = ".corrupt-";

    // Temporary files start with '.' so no glob for results ever sees them; the pid tells whose they are.
    private const string TempPrefix = ".";
    private const string TempMarker = ".tmp-";

    private readonly StateStoreOptions _options;
    private readonly ILogger _logger;
    private long _tempCounter;

    public StateStore(StateStoreOptions options, ILogger<StateStore>? logger = null)
    {
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("the state store relies on POSIX rename and fsync");
        Directory.CreateDirectory(options.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string DirectoryPath => _options.Directory;

    /// <summary>The file that holds <paramref name="address"/>'s record.</summary>
    public string PathFor(string address) =>
        Path.Combine(_options.Directory, PciAddress.Parse(address).ToObjectPathElement() + FileExtension);

    /// <summary>
    /// Every stored record. Unreadable or corrupt files are moved aside, files from a newer schema are
    /// skipped (left in place), and temporary files left by a crashed earlier process are deleted.
    /// </summary>
    public IReadOnlyList<DeviceStateRecord> LoadAll()
    {
        RemoveStaleTemporaryFiles();
        var records = new List<DeviceStateRecord>();
        foreach (string path in Directory.EnumerateFiles(_options.Directory, "pci_*" + FileExtension).Order(StringComparer.Ordinal))
        {
            if (TryLoadFile(path, out var record))
                records.Add(record);
        }
        return records;
    }

    /// <summary>The record for <paramref name="address"/>, or null when none (or only a corrupt one, now moved aside).</summary>
    public DeviceStateRecord? TryLoad(string address)
    {
        string path = PathFor(address);
        return File.Exists(path) && TryLoadFile(path, out var record) ? record : null;
    }

    /// <summary>
    /// Durably replaces the record's file. Stamps <see cref="DeviceStateRecord.UpdatedAt"/> and keeps the last
    /// <see cref="StateStoreOptions.MaxHistoryEvents"/> history events. Returns what was written.
    /// </summary>
    /// <exception cref="CmaException">InvalidArgument for a bad address; Failed when the file cannot be written.</exception>
    public DeviceStateRecord Save(DeviceStateRecord record)
    {
        string finalPath = PathFor(record.Address);
        var history = record.History;
        if (history.Count > _options.MaxHistoryEvents)
            history = history.Skip(history.Count - _options.MaxHistoryEvents).ToArray();
        var stored = record with { History = history, UpdatedAt = _options.TimeProvider.GetUtcNow(), SchemaVersion = DeviceStateRecord.CurrentSchemaVersion };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(stored, StateJsonContext.Default.DeviceStateRecord);

        string tempPath = Path.Combine(_options.Directory,
            $"{TempPrefix}{Path.GetFileName(finalPath)}{TempMarker}{Environment.ProcessId}-{Interlocked.Increment(ref _tempCounter)}");
        try
        {
            WriteDurably(tempPath, json);
            _options.BeforeRename?.Invoke(tempPath, finalPath);
            PosixFileNative.Rename(tempPath, finalPath);
            PosixFileNative.FsyncDirectory(_options.Directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tempPath);
            throw new CmaException(CmaErrorKind.Failed, $"cannot write state file {finalPath}: {e.Message}", e);
        }
        _logger.LogDebug("Saved state of {Address} to {Path} ({Bytes} bytes)", record.Address, finalPath, json.Length);
        return stored;
    }

    /// <summary>Removes the record of <paramref name="address"/>; true when there was one.</summary>
    public bool Delete(string address)
    {
        string path = PathFor(address);
        if (!File.Exists(path))
            return false;
        File.Delete(path);
        PosixFileNative.FsyncDirectory(_options.Directory);
        return true;
    }

    private static void WriteDurably(string path, byte[] content)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("the state store relies on POSIX rename and fsync");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using var stream = new FileStream(path, options);
        stream.Write(content);
        stream.Flush(flushToDisk: true); // fsync(2): the data is on disk before the rename publishes it
    }

    private bool TryLoadFile(string path, out DeviceStateRecord record)
    {
        record = null!;
        string problem;
        try
        {
            byte[] json = File.ReadAllBytes(path);
            var parsed = JsonSerializer.Deserialize(json, StateJsonContext.Default.DeviceStateRecord);
            if (parsed is null)
                problem = "the file holds JSON null";
            else if (parsed.SchemaVersion > DeviceStateRecord.CurrentSchemaVersion)
            {
                _logger.LogWarning("Skipping state file {Path}: schema {SchemaVersion} is newer than {Supported}; left untouched",
                    path, parsed.SchemaVersion, DeviceStateRecord.CurrentSchemaVersion);
                return false;
            }
            else if (!PciAddress.TryParse(parsed.Address, out var address) || address.ToObjectPathElement() + FileExtension != Path.GetFileName(path))
                problem = $"its address '{parsed.Address}' does not match the file name";
            else if (string.IsNullOrEmpty(parsed.Verdict))
                problem = "it has no verdict";
            else if (NullWhereNonNullable(parsed) is { } member)
                problem = member;
            else
            {
                record = parsed;
                return true;
            }
        }
        catch (JsonException e)
        {
            problem = $"invalid JSON: {e.Message}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"unreadable: {e.Message}";
        }
        MoveAside(path, problem);
        return false;
    }

    /// <summary>
    /// The source-generated reader leaves a member that is absent from the file null even where the type says
    /// non-null (RespectNullableAnnotations refuses explicit nulls only), and such a record would load and then fail
    /// its next <see cref="Save"/> with a JsonException (found by fuzzing, fuzz/regressions/state/). A record
    /// that cannot be written back is damaged: the writer's own null checks name the member.
    /// </summary>
    private static string? NullWhereNonNullable(DeviceStateRecord record)
    {
        try
        {
            JsonSerializer.SerializeToUtf8Bytes(record, StateJsonContext.Default.DeviceStateRecord);
            return null;
        }
        catch (JsonException e)
        {
            return $"a member is missing or null: {e.Message}";
        }
    }

    private void MoveAside(string path, string problem)
    {
        string stamp = _options.TimeProvider.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        string aside = path + CorruptMarker + stamp;
        try
        {
            PosixFileNative.Rename(path, aside);
            _logger.LogWarning("State file {Path} is corrupt ({Problem}); moved aside to {Aside}", path, problem, aside);
        }
        catch (IOException e)
        {
            _logger.LogWarning("State file {Path} is corrupt ({Problem}) and could not be moved aside: {Error}", path, problem, e.Message);
        }
    }

    private void RemoveStaleTemporaryFiles()
    {
        string ours = $"{TempMarker}{Environment.ProcessId}-";
        foreach (string path in Directory.EnumerateFiles(_options.Directory, TempPrefix + "*" + TempMarker + "*"))
        {
            if (Path.GetFileName(path).Contains(ours, StringComparison.Ordinal))
                continue; // a save of this process may be in flight
            _logger.LogInformation("Removing {Path}, left by an interrupted save", path);
            TryDelete(path);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary file is ignored by every load and removed at the next start.
        }
    }
}
