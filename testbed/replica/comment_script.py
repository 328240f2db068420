"""The view page's comment script: loads the comments from the endpoint and renders them.

The real view page ships an empty comment box (``ul.cmt_list``, ``div.cmt_paging``) and
fills it from ``POST /board/comment/`` with its hidden inputs (SITE.md §3.4, §4); what a
browser then shows is the rendered comment DOM of SITE.md §3.5. This script does the same
in plain JavaScript (the replica serves no jQuery):

* before its first request it sets the cookie of ``browser_check.py`` (``dcr_js``);
* it posts the form the site's own XHR posts (``X-Requested-With: XMLHttpRequest``);
* each row becomes ``li.ub-content > div.cmt_info[data-no][data-rcnt][data-article-no]``
  with ``div.cmt_nickbox > span.gall_writer[data-nick][data-uid][data-ip]`` (the row's
  ``gallog_icon`` inside), ``div.cmt_txtbox`` holding ``p.usertxt`` (text memo),
  ``div.comment_dccon`` (dccon memo) or ``div.comment_voice`` (voice player), and
  ``div.fr > span.date_time`` (``reg_date`` as given);
* consecutive replies (``depth`` 1) go into ``li.reply_box > div.reply > ul.reply_list
  #reply_list_<c_no>``, one ``li > div.reply_info[data-no]`` each — also at the top of a
  page whose thread started on the page before;
* deleted rows (``del_yn: "Y"``) get ``p.del_reply`` and keep their text, as the JSON does;
* the ad row (``COMMENT_BOY``) becomes ``li.ub-content.dory`` without ``cmt_info``;
* the pager ``div.cmt_paging`` gets the JSON's ``pagination`` HTML, whose links call
  ``viewComments(page, sort, focus)``, which this script defines, as the site's does.

After each page it sets ``data-page`` on the list to the page number, so tests can wait for
a page to be on screen. The script contains none of the signal strings crawlers look for
(``location.replace``, ``/derror/``, ``alert(``).
"""

from __future__ import annotations

from functools import lru_cache

from .browser_check import BROWSER_COOKIE

_SCRIPT = r"""<script type="text/javascript">
(function () {
  "use strict";
  function field(id) {
    var el = document.getElementById(id);
    return el ? el.value : "";
  }
  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  var token = field("e_s_n_o");
  var postNo = field("no");
  document.cookie = "__COOKIE__=" + token.split("").reverse().join("") + "; path=/";
  var list = document.getElementById("cmt_list_" + postNo);
  var pager = document.getElementById("cmt_paging");
  if (!list || !pager) { return; }

  function writer(row) {
    return '<span class="gall_writer ub-writer" data-nick="' + esc(row.name) + '" data-uid="' +
      esc(row.user_id) + '" data-ip="' + esc(row.ip) + '">' + (row.gallog_icon || "") + "</span>";
  }
  function content(row) {
    var parts = [];
    var memo = row.memo || "";
    if (row.del_yn === "Y") { parts.push('<p class="del_reply">삭제된 댓글입니다.</p>'); }
    if (row.vr_player) {
      parts.push('<div class="comment_voice">' + row.vr_player + "</div>");
    } else if (memo.indexOf("written_dccon") >= 0) {
      parts.push('<div class="comment_dccon clear"><div class="coment_dccon_img">' + memo +
        "</div></div>");
    } else {
      parts.push('<p class="usertxt ub-word">' + memo + "</p>");
    }
    return '<div class="clear cmt_txtbox btn_reply_write_all">' + parts.join("") + "</div>";
  }
  function info(row, kind) {
    var type = kind === "cmt_info" ? "cmt" : "rep";
    return '<div class="' + kind + ' clear" data-no="' + esc(row.no) + '" data-rcnt="' +
      esc(row.rcnt) + '" data-article-no="' + esc(row.parent) + '"><div class="cmt_nickbox">' +
      writer(row) + "</div>" + content(row) + '<div class="fr clear"><span class="date_time">' +
      esc(row.reg_date) + '</span><div class="cmt_mdf_del" data-type="' + type + '" re_no="' +
      esc(row.no) + '" data-my="N" data-article-no="' + esc(row.parent) + '" data-pwd-pop="' +
      esc(row.password_pop) + '" data-uid="' + esc(row.user_id) + '"></div></div></div>';
  }
  function render(rows) {
    var html = [];
    var open = null;
    function closeReplies() {
      if (open !== null) { html.push("</ul></div></li>"); open = null; }
    }
    rows.forEach(function (row) {
      if (row.nicktype === "COMMENT_BOY") {
        closeReplies();
        html.push('<li class="ub-content dory" id="comment_li_0"><div class="comment_dory">' +
          (row.memo || "") + "</div></li>");
        return;
      }
      var parent = String(row.c_no || "0");
      if (Number(row.depth || 0) === 0 || parent === "0") {
        closeReplies();
        html.push('<li id="comment_li_' + esc(row.no) + '" class="ub-content">' +
          info(row, "cmt_info") + "</li>");
        return;
      }
      if (open !== parent) {
        closeReplies();
        html.push('<li id="comment_li_' + esc(parent) + '" class="ub-content reply_box">' +
          '<div class="reply show"><ul class="reply_list" id="reply_list_' + esc(parent) + '">');
        open = parent;
      }
      html.push('<li id="reply_li_' + esc(row.no) + '" class="ub-content">' +
        info(row, "reply_info") + "</li>");
    });
    closeReplies();
    return html.join("");
  }
  function encode(form) {
    return Object.keys(form).map(function (key) {
      return encodeURIComponent(key) + "=" + encodeURIComponent(form[key]);
    }).join("&");
  }
  window.viewComments = function (page, sort) {
    var gallery = field("id");
    var form = {
      id: gallery, no: postNo, cmt_id: gallery, cmt_no: postNo, focus_cno: "", focus_pno: "",
      e_s_n_o: token, comment_page: String(page), sort: sort || "D", prevCnt: "",
      board_type: field("board_type"), _GALLTYPE_: field("_GALLTYPE_"),
      secret_article_key: field("secret_article_key")
    };
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/board/comment/");
    xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8");
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("Accept", "application/json, text/javascript, */*; q=0.01");
    xhr.onload = function () {
      var data;
      try { data = JSON.parse(xhr.responseText); } catch (error) { return; }
      list.innerHTML = render(data.comments || []);
      pager.innerHTML = data.pagination || "";
      var total = document.getElementById("comment_total_cnt");
      if (total && data.total_cnt !== undefined) { total.textContent = String(data.total_cnt); }
      list.setAttribute("data-page", String(page));
    };
    xhr.send(encode(form));
  };
  window.viewComments(1, "D", false);
})();
</script>
"""


@lru_cache(maxsize=1)
def script() -> str:
    """The ``<script>`` element the server appends to every view page (after the inputs)."""
    return _SCRIPT.replace("__COOKIE__", BROWSER_COOKIE)
