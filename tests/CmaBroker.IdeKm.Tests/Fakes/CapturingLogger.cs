using Microsoft.Extensions.Logging;

namespace CmaBroker.IdeKm.Tests.Fakes;

/// <summary>Keeps every formatted log line, with the structured values too, so a test can search them.</summary>
internal sealed class CapturingLogger : ILogger
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
        Lines.Add($"{logLevel} {formatter(state, exception)} {values} {exception}");
    }
}
