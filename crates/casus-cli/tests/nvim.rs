//! A real editor on `casus lsp`: Neovim, headless, with its built-in LSP client, opens the
//! shipped NATO file, misspells a party in the buffer (nothing is written to disk) and
//! reports the diagnostics it received.
//!
//! Without Neovim (`nvim`) the test prints `SKIPPED …` and passes, unless
//! `CASUS_REQUIRE_NVIM` is set (CI sets it after installing Neovim), when it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn nvim_present() -> bool {
    Command::new("nvim")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The Lua that Neovim runs: start the server, attach it, break an id, wait for diagnostics,
/// write them (`line:column: message`, 1-based) to `out`, quit.
const SCRIPT: &str = r#"
local casus, root, file, out = vim.env.CASUS_BIN, vim.env.CASUS_ROOT, vim.env.CASUS_FILE, vim.env.CASUS_OUT
vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local client = vim.lsp.start_client({ name = 'casus', cmd = { casus, 'lsp' }, root_dir = root })
vim.lsp.buf_attach_client(buf, client)
vim.wait(60000, function()
  local c = vim.lsp.get_client_by_id(client)
  return c ~= nil and c.initialized
end, 50)
local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
for i, l in ipairs(lines) do
  local s, e = string.find(l, '{party: GBR, joined: 1949-08-24', 1, true)
  if s then
    vim.api.nvim_buf_set_text(buf, i - 1, s + 10, i - 1, s + 10, { 'R' })
    break
  end
end
local got = vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local f = io.open(out, 'w')
if not got then f:write('no diagnostics received\n') end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  f:write(string.format('%d:%d: %s\n', d.lnum + 1, d.col + 1, d.message))
end
f:close()
vim.lsp.stop_client(client)
vim.cmd('qa!')
"#;

#[test]
fn neovim_receives_the_diagnostic_of_a_misspelt_party() {
    if !nvim_present() {
        assert!(
            std::env::var_os("CASUS_REQUIRE_NVIM").is_none(),
            "CASUS_REQUIRE_NVIM is set but Neovim (nvim) is not installed"
        );
        println!(
            "SKIPPED neovim_receives_the_diagnostic_of_a_misspelt_party: Neovim (nvim) is not installed (apt-get install neovim)"
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("casus-nvim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("session.lua");
    let out = dir.join("diagnostics.txt");
    std::fs::write(&script, SCRIPT).unwrap();
    let root = repo();
    let file = root.join("rules/treaties/nato.yaml");
    let status = Command::new("nvim")
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("CASUS_BIN", env!("CARGO_BIN_EXE_casus"))
        .env("CASUS_ROOT", &root)
        .env("CASUS_FILE", &file)
        .env("CASUS_OUT", &out)
        .current_dir(&root)
        .status()
        .unwrap();
    let got = std::fs::read_to_string(&out).unwrap_or_default();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(status.success(), "nvim: {status}");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("{party: GBR, joined: 1949-08-24"))
        .unwrap()
        + 1;
    let column = text.lines().nth(line - 1).unwrap().find("GBR").unwrap() + 1;
    let want = format!("{line}:{column}: unknown party `GBRR`");
    assert!(
        got.lines().any(|l| l.starts_with(&want)),
        "want `{want}…`, Neovim received:\n{got}"
    );
    assert!(got.contains("did you mean `GBR`?"), "{got}");
}
