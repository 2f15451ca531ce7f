"""Where a new scenario starts: a complete three-stage refund conversation that a trainer edits.

It is valid as it stands (with its three calibration transcripts), so the editor shows no
problems until the trainer changes something, and every field shows what belongs in it.
"""

#: Lessons a refund scenario most likely belongs to, in order of preference.
PREFERRED_LESSONS = ("refund", "after-sales", "complaint")


def template(key, lessons):
    """The data of a new scenario ``key``; ``lessons`` are the known lesson keys."""
    return {"scenario": {
        "id": key,
        "title": "杯子有划痕，顾客要求退款",
        "kind": "after_sales",
        "platform": "淘宝",
        "situation": "顾客收到的保温杯外壳有明显划痕，要求退款。请先道歉并核对订单，再按政策给出退款方案，最后确认下一步并礼貌道别。",
        "lessons": _lesson(lessons),
        "pass": 80,  # nosec B105  # the template's pass mark, no password
        "customer": {
            "name": "李女士",
            "profile": "杯子是买给自己上班用的，一拆开就看到划痕，有点生气。",
            "mood": 1,
            "leaves": "算了，我直接申请退款，再给个差评。",
            "escalates": {"default": "你这是什么态度？", "angry": "你这是什么态度？我要投诉你！"},
        },
        "order": {
            "number": "6203001234567890", "product": "不锈钢保温杯 500ml", "amount": 89, "status": "已签收",
            "logistics": "韵达快递，昨天已签收",
            "policy": {"return_days": 7, "shipping_insurance": True, "compensation_limit": 10, "after_sales_valid": True,
                       "notes": ["商品有瑕疵属于店铺责任，可退货退款或换新，来回运费由店铺承担",
                                 "客服可自行给予不超过 10 元的补偿（红包或优惠券）"]},
        },
        "opening": {"default": "我买的杯子收到就有划痕，我要退款。",
                    "angry": "你们怎么回事？杯子一拆开全是划痕，我要退款！"},
        "closing": {"default": "行吧，那就这样。", "calm": "好的，谢谢你。"},
        "checks": [
            _check("greet", "opening", "第一句话就问候顾客", ["您好", "你好", "亲"], "您好，我是客服小李，很高兴为您服务。",
                   within=1),
            _check("apologise", "empathy", "为商品瑕疵真诚道歉", ["抱歉", "对不起", "道歉", "不好意思"],
                   "非常抱歉让您收到了有划痕的杯子。"),
            _check("check_order", "facts", "核对订单", ["帮您查一下", "查一下订单", "核对一下订单", "订单号"],
                   "我马上帮您查一下订单。", facts=["number"]),
            _check("offer_refund", "solution", "按政策给出退款方案", ["退货退款", "给您退款", "办理退款", "全额退款"],
                   "可以给您办理退货退款，来回运费由我们承担。"),
            _check("compensate", "recovery", "在权限内补偿", ["红包", "优惠券"], "再送您一张 5 元优惠券表示歉意。"),
            _check("close", "closing", "确认下一步并礼貌道别", ["还有什么可以帮您", "祝您", "再见"],
                   "还有什么可以帮您的吗？祝您生活愉快！", stage="wrap_up"),
        ],
        "stages": [
            {"id": "complaint", "needs": ["apologise", "check_order"],
             "insist": {"default": "你先查查是怎么回事。", "angry": "别说没用的，先查查怎么回事！"},
             "hint": "先问候、真诚道歉，然后告诉顾客你马上核对订单。",
             "suggestions": [{"text": "您好，非常抱歉让您收到有划痕的杯子！我马上帮您查一下订单。",
                              "note": "问候、道歉、核对订单，一句做到。"},
                             {"text": "订单号多少？", "note": "没有道歉，顾客正在气头上。"}]},
            {"id": "solution", "says": {"default": "那现在怎么处理？", "angry": "那你说现在怎么办？"},
             "needs": ["offer_refund"], "insist": "你就说能不能退吧。",
             "hint": "按政策给出退款方案，说明运费由店铺承担；在权限内补偿更好。",
             "suggestions": [{"text": "可以给您办理退货退款，来回运费由我们承担，再送您一张 5 元优惠券表示歉意。",
                              "note": "给出方案、说明运费，并在权限内补偿。"},
                             {"text": "您自己在订单里申请吧。", "note": "把事情推给顾客。"}]},
            {"id": "wrap_up", "says": {"default": "那就退款吧。", "calm": "好的，那就麻烦你办理退款。"},
             "needs": ["close"], "insist": "那接下来我要做什么？",
             "hint": "确认下一步，最后礼貌道别。",
             "suggestions": [{"text": "好的，已经为您办理，还有什么可以帮您的吗？祝您生活愉快！",
                              "note": "确认并礼貌收尾。"},
                             {"text": "嗯。", "note": "没有说明下一步，也没有道别。"}]},
        ],
    }, "calibration": [
        {"name": "pass_1", "expect": "pass", "replies": [
            "您好，非常抱歉让您收到有划痕的杯子，我马上帮您查一下订单。",
            "可以给您办理退货退款，来回运费由我们承担，再送您一张 5 元优惠券表示歉意。",
            "好的，已经为您办理，还有什么可以帮您的吗？祝您生活愉快！"]},
        {"name": "fail_1", "expect": "fail", "replies": ["订单号多少", "您自己申请吧", "好的", "好的"]},
        {"name": "critical_1", "expect": "critical", "rules": ["off_platform"], "replies": [
            "您好，非常抱歉，我马上帮您查一下订单。", "您加我微信，我在微信上给您退款。"]},
    ]}


def _check(check_id, category, label, aliases, model, **extra):
    return {"id": check_id, "category": category, "label": label, "aliases": aliases, **extra, "model": model}


def _lesson(lessons):
    keys = sorted(lessons)
    for wanted in PREFERRED_LESSONS:
        found = [key for key in keys if wanted in key]
        if found:
            return found[:1]
    return keys[:1]
