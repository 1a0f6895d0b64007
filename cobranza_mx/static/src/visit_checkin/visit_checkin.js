import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

import { Component, useRef, useState } from "@odoo/owl";

// Longest side of the photo sent to the server: a phone photo of 4000 px becomes ~150 KB.
const PHOTO_MAX_PX = 1280;
const GPS_TIMEOUT_MS = 15000;

/** The position of the phone, or an error with a reason (denied, unavailable, timeout). */
export function getPosition() {
    return new Promise((resolve, reject) => {
        if (!navigator.geolocation) {
            reject(new Error(_t("This device has no geolocation.")));
            return;
        }
        navigator.geolocation.getCurrentPosition(
            (position) => resolve(position.coords),
            (error) => {
                const reasons = {
                    1: _t("The location permission was denied."),
                    2: _t("The position is unavailable."),
                    3: _t("The position took too long."),
                };
                reject(new Error(reasons[error.code] || error.message));
            },
            { enableHighAccuracy: true, timeout: GPS_TIMEOUT_MS, maximumAge: 60000 }
        );
    });
}

/** ``file`` (an image) drawn on a canvas at most PHOTO_MAX_PX wide or high: base64 JPEG, no prefix. */
export async function resizePhoto(file, maxPx = PHOTO_MAX_PX) {
    const url = URL.createObjectURL(file);
    try {
        const image = await new Promise((resolve, reject) => {
            const img = new Image();
            img.onload = () => resolve(img);
            img.onerror = () => reject(new Error(_t("The photo could not be read.")));
            img.src = url;
        });
        const scale = Math.min(1, maxPx / Math.max(image.naturalWidth, image.naturalHeight));
        const canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        return canvas.toDataURL("image/jpeg", 0.8).split(",")[1];
    } finally {
        URL.revokeObjectURL(url);
    }
}

/** Check-in at the door: position of the phone, photo of the address, then the result form. */
export class VisitCheckIn extends Component {
    static template = "cobranza_mx.VisitCheckIn";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.photoInput = useRef("photo");
        this.state = useState({
            busy: false,
            gpsError: "",
            reason: "",
            photoName: "",
            distance: null,
        });
    }

    onPhotoChange(ev) {
        this.state.photoName = ev.target.files[0]?.name || "";
    }

    async onCheckIn() {
        const record = this.props.record;
        this.state.busy = true;
        try {
            let coords = null;
            if (!this.state.gpsError) {
                try {
                    coords = await getPosition();
                } catch (error) {
                    // Without a position the check-in still happens, with a reason, flagged.
                    this.state.gpsError = error.message;
                    return;
                }
            } else if (!this.state.reason.trim()) {
                this.notification.add(_t("Say why there is no GPS position."), { type: "warning" });
                return;
            }
            const file = this.photoInput.el?.files?.[0];
            const photo = file ? await resizePhoto(file) : false;
            if (record.isDirty) {
                await record.save();
            }
            const answer = await this.orm.call("cobranza.visit", "check_in", [
                [record.resId],
                coords ? coords.latitude : false,
                coords ? coords.longitude : false,
                coords ? coords.accuracy || 0 : 0,
                photo,
            ], { no_gps_reason: coords ? false : this.state.reason });
            this.state.distance = answer.distance_m;
            this.notification.add(
                answer.flagged ? _t("Checked in; flagged for the supervisor.") : _t("Checked in."),
                { type: answer.flagged ? "warning" : "success" }
            );
            await record.load();
        } finally {
            this.state.busy = false;
        }
    }
}

registry.category("view_widgets").add("cobranza_visit_checkin", { component: VisitCheckIn });
