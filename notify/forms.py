"""A person's notification settings (通知设置)."""

from django import forms

from notify.models import Event, Preference


class PreferenceForm(forms.ModelForm):
    muted_events = forms.MultipleChoiceField(
        label="以下事件不发消息(站内通知照常显示)",
        choices=Event.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Preference
        fields = [
            "email",
            "sms",
            "dingtalk_webhook",
            "dingtalk_secret",
            "wecom_webhook",
            "muted_events",
            "quiet_start",
            "quiet_end",
        ]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "dingtalk_secret": forms.PasswordInput(render_value=True),
        }

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            raise forms.ValidationError("免打扰时段请同时填写开始和结束时间。")
        if data.get("dingtalk_secret") and not data.get("dingtalk_webhook"):
            raise forms.ValidationError("填写了钉钉加签密钥,请同时填写钉钉机器人 Webhook。")
        return data
