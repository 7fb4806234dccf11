"""The patients' platforms at the edge: the `Channel` contract every platform honours
(base.py), the registry built from settings (registry.py), and one module per
platform: wechat.py (with its sending side, wechat_api.py), alipay.py, sms.py."""
