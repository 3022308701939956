# Baseline: reduce a JSONL recording to the final world state with jq, using the
# same rules as the generated recording (benches/common/mod.rs RULES).
# Usage: jq -n -c -f state.jq EVENTS.jsonl
# Output: {"<stream>": <state>, ...} like `rewind state --compact`.
#
# Implements the ops that rules file uses, per docs/model.md §4:
#   replace (with a {field} placeholder), merge (RFC 7386, a missing target
#   counts as {}), patch (RFC 6902 add/replace/remove/test on object members; a
#   failing patch leaves the state unchanged), ignore; an event no rule matches
#   is merged at the root.
# Not implemented (the recording does not use them): append, remove, snapshot,
# array indices and "-" in patch paths, move/copy ops.

def mergepatch($p):
  if ($p | type) == "object" then
    reduce ($p | to_entries[]) as $e
      ((if type == "object" then . else {} end);
       if $e.value == null then del(.[$e.key]) else .[$e.key] |= mergepatch($e.value) end)
  else $p end;

# A JSON Pointer's tokens.
def tokens:
  if . == "" then []
  else ltrimstr("/") | split("/") | map(if contains("~") then gsub("~1"; "/") | gsub("~0"; "~") else . end)
  end;

def patchop($o):
  ($o.path | tokens) as $p
  | if $o.op == "add" or $o.op == "replace" then setpath($p; $o.value)
    elif $o.op == "remove" then delpaths([$p])
    elif $o.op == "test" then (if getpath($p) == $o.value then . else error("test failed") end)
    else error("unsupported op \($o.op)") end;

def segment: if type == "string" then . else tojson end;

reduce inputs as $e ({};
  if $e.type == "MessageAdded" then .[$e.stream].last_message = $e.data
  elif $e.type == "ToolCalled" then .[$e.stream].tools[$e.data.tool | segment] = $e.data
  elif ($e.type | startswith("Memory")) then .[$e.stream].memory |= mergepatch($e.data)
  elif $e.type == "ParamsPatched" then
    # Not `|=`: jq 1.6's `|=` swallows a `try` inside it. A failed patch yields
    # nothing, and the state stays as it was.
    [.[$e.stream].params | try reduce $e.data.ops[] as $o ((if . == null then {} else . end); patchop($o))] as $r
    | if ($r | length) == 1 then .[$e.stream].params = $r[0] else . end
  elif $e.type == "TokensUsed" then .[$e.stream].usage |= mergepatch($e.data)
  elif $e.type == "Heartbeat" then .
  else .[$e.stream] |= mergepatch($e.data)
  end)
