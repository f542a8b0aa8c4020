namespace Konnect.Gateway.Portal;

/// <summary>The portal's one stylesheet, shipped in the binary: the page loads nothing from the internet.</summary>
internal static class PortalStyle
{
    public const string Css = """
        :root { --ink: #1b1f24; --muted: #5b6570; --line: #d8dee4; --accent: #0b5cad; --warn: #9a6700; --gone: #a40e26; --ok: #1a7f37; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--ink); background: #fafbfc; }
        header { padding: .8rem 1.5rem; background: var(--ink); }
        header .home { color: #fff; font-weight: 600; text-decoration: none; }
        main { max-width: 70rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
        footer { text-align: center; color: var(--muted); font-size: .85rem; padding: 1rem; }
        a { color: var(--accent); }
        h2 { margin: 2rem 0 0; border-bottom: 1px solid var(--line); }
        h3.team { color: var(--muted); font-size: 1rem; margin: 1rem 0 .3rem; }
        .hint, .meta, .crumbs { color: var(--muted); font-size: .85rem; margin: .2rem 0; }
        form#search { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; padding: .8rem; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
        form#search label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); }
        form#search input, form#search select, form#search button { font: inherit; padding: .3rem .5rem; }
        ul.apis { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: .8rem; }
        li.api { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .6rem .9rem; }
        li.api h4 { margin: 0; }
        .description { white-space: pre-wrap; overflow-wrap: anywhere; }
        ul.versions, ul.tags { list-style: none; padding: 0; margin: .3rem 0; display: flex; flex-wrap: wrap; gap: .3rem; }
        ul.versions li, a.tag { font-size: .8rem; border-radius: 1rem; padding: 0 .5rem; border: 1px solid var(--line); }
        .state-published .state { color: var(--ok); }
        .state-deprecated .state { color: var(--warn); }
        .state-retired .state { color: var(--gone); }
        section.version { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 0 1rem 1rem; margin: 1rem 0; }
        section.version h2 { border: 0; }
        section.version h2 .state { font-size: .9rem; font-weight: normal; margin-left: .5rem; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
        dt { font-weight: 600; } dd { margin: 0; } dd ul { margin: 0; padding-left: 1rem; }
        ul.urls { list-style: none; padding: 0; }
        pre { background: #f3f5f7; padding: .5rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
        details.operation { border: 1px solid var(--line); border-radius: 4px; margin: .4rem 0; padding: .3rem .6rem; }
        details.operation summary { cursor: pointer; }
        .method { display: inline-block; min-width: 4.2rem; font: 600 .8rem monospace; }
        .method-get { color: var(--ok); } .method-post { color: var(--accent); } .method-delete { color: var(--gone); }
        .badge { font-size: .75rem; color: var(--warn); }
        table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
        td, th { border-top: 1px solid var(--line); padding: .25rem .4rem; text-align: left; vertical-align: top; }
        .problem { color: var(--gone); }
        """;
}
