using System.Diagnostics;

namespace Zhuque.Tests.Support;

/// <summary>
/// A process the test talks to a line at a time: it writes to its stdin
/// and waits, with a time limit, for each line it prints. Killed with its
/// children if the test ends first.
/// </summary>
public sealed class LineProcess : IDisposable
{
    readonly Process _process;
    readonly StringWriter _stderr = new();
    readonly Lock _lock = new();

    public LineProcess(string file, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
            info.Environment[k] = v;
        _process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_lock)
                _stderr.WriteLine(e.Data);
        };
        _process.BeginErrorReadLine();
    }

    /// <summary>The process id of the command itself (zhuque, not the program it supervises).</summary>
    public int Pid => _process.Id;

    public string Stderr
    {
        get
        {
            lock (_lock)
                return _stderr.ToString();
        }
    }

    public void Send(string line)
    {
        _process.StandardInput.Write(line + "\n");
        _process.StandardInput.Flush();
    }

    /// <summary>The next line of stdout; fails the test at end of output or after timeoutMs.</summary>
    public string ReadLine(int timeoutMs = 60_000)
    {
        var read = _process.StandardOutput.ReadLineAsync();
        if (!read.Wait(timeoutMs))
            Assert.Fail($"no line from the program in {timeoutMs} ms; stderr: {Stderr}");
        return read.Result ?? throw new Xunit.Sdk.XunitException($"the program ended its output; stderr: {Stderr}");
    }

    /// <summary>Closes stdin (unless told not to) and waits for the exit status.</summary>
    public int WaitForExit(int timeoutMs = 60_000, bool closeStdin = true)
    {
        if (closeStdin)
            _process.StandardInput.Close();
        if (!_process.WaitForExit(timeoutMs))
            Assert.Fail($"the program did not exit in {timeoutMs} ms; stderr: {Stderr}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>The rest of stdout, once the process has ended.</summary>
    public string ReadToEnd() => _process.StandardOutput.ReadToEnd();

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
