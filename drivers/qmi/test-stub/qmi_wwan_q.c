// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for Quectel's qmi_wwan_q, for building and checking the glue in drivers/qmi without
 * Quectel's source (which we never ship). It calls what qmi_wwan_q calls from other modules --
 * usbnet_get_endpoints() and usb_cdc_wdm_register() -- so modpost records the same dependencies,
 * and it has no USB id table: it binds to no device. CI builds it and never loads it.
 */
#include <linux/module.h>
#include <linux/usb.h>
#include <linux/usb/cdc-wdm.h>
#include <linux/usb/usbnet.h>
#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 13, 0)
#include <linux/wwan.h>
#endif

static int stub_manage_power(struct usb_interface *intf, int on)
{
	return 0;
}

static int stub_probe(struct usb_interface *intf, const struct usb_device_id *id)
{
	struct usbnet dev = { .udev = interface_to_usbdev(intf) };
	struct usb_driver *subdriver;
	int err = usbnet_get_endpoints(&dev, intf);

	if (err < 0 || !dev.status)
		return -ENODEV;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 13, 0)
	subdriver = usb_cdc_wdm_register(intf, &dev.status->desc, 4096, WWAN_PORT_QMI, stub_manage_power);
#else
	subdriver = usb_cdc_wdm_register(intf, &dev.status->desc, 4096, stub_manage_power);
#endif
	if (IS_ERR(subdriver))
		return PTR_ERR(subdriver);
	usb_set_intfdata(intf, subdriver);
	return 0;
}

static void stub_disconnect(struct usb_interface *intf)
{
	struct usb_driver *subdriver = usb_get_intfdata(intf);

	if (subdriver && subdriver->disconnect)
		subdriver->disconnect(intf);
}

static struct usb_driver stub_driver = {
	.name = "qmi_wwan_q",
	.probe = stub_probe,
	.disconnect = stub_disconnect,
};
module_usb_driver(stub_driver);

MODULE_DESCRIPTION("ec20ppp build-test stand-in for Quectel's qmi_wwan_q (binds to nothing)");
MODULE_VERSION("ec20ppp-stub");
MODULE_LICENSE("GPL");
